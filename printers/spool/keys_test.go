package spool

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// A client key shaped like a reprint's never stands for a reprint, nor a
// reprint for a client's job: the two live in their own namespaces.
func TestReprintKeysHaveTheirOwnNamespace(t *testing.T) {
	s, _ := open(t)
	orig, _, err := s.Enqueue("p", "k", "", []byte("job"), nil)
	require.NoError(t, err)
	client, _, err := s.Enqueue("p", "copy:"+orig.ID+":x", "", []byte("unrelated"), nil)
	require.NoError(t, err)

	c, err := s.Reprint(orig.ID, "x", []byte("COPY|"))
	require.NoError(t, err)
	assert.NotEqual(t, client.ID, c.ID, "the client's job is not the copy")
	assert.True(t, c.Copy)
	assert.Equal(t, orig.ID, c.CopyOf)
	b, err := s.Bytes(c.ID)
	require.NoError(t, err)
	assert.Equal(t, "COPY|job", string(b))

	replay, err := s.Reprint(orig.ID, "x", []byte("COPY|"))
	require.NoError(t, err)
	assert.Equal(t, c.ID, replay.ID, "a replayed reprint returns the copy it made")

	// And the other way round: a client key after a reprint is the client's.
	c2, err := s.Reprint(orig.ID, "y", []byte("COPY|"))
	require.NoError(t, err)
	j, existing, err := s.Enqueue("p", "copy:"+orig.ID+":y", "", []byte("mine"), nil)
	require.NoError(t, err)
	assert.False(t, existing, "a reprint's key is not a client's")
	assert.NotEqual(t, c2.ID, j.ID)
}

// A spool written before reprint keys had their namespace keeps its
// copies: a replay finds the copy made then.
func TestLegacyReprintKeysMigrate(t *testing.T) {
	s, path := open(t)
	orig, _, err := s.Enqueue("p", "k", "", []byte("job"), nil)
	require.NoError(t, err)
	// What the old Reprint stored: a copy under the client key space.
	legacyKey := "copy:" + orig.ID + ":ecr-1"
	old, _, err := s.EnqueueJob("p", legacyKey, Job{Copy: true, CopyOf: orig.ID}, []byte("COPY|job"))
	require.NoError(t, err)
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error {
		// As an old spool: no reprint namespace, no schema version.
		if tx.Bucket(bucketCopyKeys) != nil {
			require.NoError(t, tx.DeleteBucket(bucketCopyKeys))
		}
		return nil
	}))
	asOldKeys(t, s, 0)
	require.NoError(t, s.Close())

	s2, err := Open(path)
	require.NoError(t, err)
	defer s2.Close()
	replay, err := s2.Reprint(orig.ID, "ecr-1", []byte("COPY|"))
	require.NoError(t, err)
	assert.Equal(t, old.ID, replay.ID, "the copy made before the upgrade")
	j, existing, err := s2.Enqueue("p", legacyKey, "", []byte("mine"), nil)
	require.NoError(t, err)
	assert.False(t, existing, "the old reprint key left the client key space")
	assert.NotEqual(t, old.ID, j.ID)
}

// asOldKeys makes s's key index as the code before schema version
// schema kept it: the clients' keys per printer in bucketKeys (0: no
// schema version at all).
func asOldKeys(t *testing.T, s *Spool, schema uint64) {
	t.Helper()
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error {
		global, old := tx.Bucket(bucketClientKeys), tx.Bucket(bucketKeys)
		type entry struct{ k, id []byte }
		var all []entry
		require.NoError(t, global.ForEach(func(k, v []byte) error {
			all = append(all, entry{bytes.Clone(k), bytes.Clone(v)})
			return nil
		}))
		for _, e := range all {
			j, err := getJob(tx, string(e.id))
			require.NoError(t, err)
			require.NoError(t, old.Put(printerKey(j.Printer, string(e.k)), e.id))
		}
		require.NoError(t, tx.DeleteBucket(bucketClientKeys))
		if schema == 0 {
			return tx.DeleteBucket(bucketMeta)
		}
		return tx.Bucket(bucketMeta).Put(schemaKey, binary.BigEndian.AppendUint64(nil, schema))
	}))
}

// A spool written while keys counted per printer keeps answering every
// old key for its own printer, even a key two printers shared (a till
// that failed over with the same key); for any other printer the key is
// refused as reused, and new keys are the service's.
func TestPerPrinterKeysMigrate(t *testing.T) {
	s, path := open(t)
	front, _, err := s.Enqueue("front", "k-front", "", []byte("front"), nil)
	require.NoError(t, err)
	shared1, _, err := s.Enqueue("a", "shared", "", []byte("on a"), nil)
	require.NoError(t, err)
	shared2, _, err := s.Enqueue("b", "shared-on-b", "", []byte("on b"), nil)
	require.NoError(t, err)
	asOldKeys(t, s, 3)
	// The old code let the same key name a second job on another printer.
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error {
		j, err := getJob(tx, shared2.ID)
		require.NoError(t, err)
		j.Key = "shared"
		require.NoError(t, s.putJob(tx, j.State, j))
		require.NoError(t, tx.Bucket(bucketKeys).Delete(printerKey("b", "shared-on-b")))
		return tx.Bucket(bucketKeys).Put(printerKey("b", "shared"), []byte(shared2.ID))
	}))
	require.NoError(t, s.Close())

	s2, err := Open(path)
	require.NoError(t, err)
	defer s2.Close()
	for _, tt := range []struct{ printer, key, id string }{
		{"front", "k-front", front.ID},
		{"a", "shared", shared1.ID},
		{"b", "shared", "j1000000000003"},
	} {
		j, existing, err := s2.Enqueue(tt.printer, tt.key, "", []byte("again"), nil)
		require.NoError(t, err, tt.printer+" "+tt.key)
		assert.True(t, existing, tt.printer+" "+tt.key)
		assert.Equal(t, tt.id, j.ID, tt.printer+" "+tt.key)
	}
	for _, tt := range []struct{ printer, key string }{{"back", "k-front"}, {"c", "shared"}} {
		_, _, err := s2.Enqueue(tt.printer, tt.key, "", []byte("elsewhere"), nil)
		assert.ErrorIs(t, err, ErrKeyReused, tt.printer+" "+tt.key)
	}
	require.NoError(t, s2.db.View(func(tx *bolt.Tx) error {
		left := map[string]string{}
		require.NoError(t, tx.Bucket(bucketKeys).ForEach(func(k, v []byte) error {
			left[string(k)] = string(v)
			return nil
		}))
		assert.Equal(t, map[string]string{"b\x00shared": "j1000000000003"}, left, "only the shared key stays per printer")
		return nil
	}))
	// Pruning forgets the old per-printer key too.
	_, err = s2.Cancel("j1000000000003")
	require.NoError(t, err)
	n, err := s2.Prune(time.Now().Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	j, existing, err := s2.Enqueue("b", "shared", "", []byte("new"), nil)
	require.ErrorIs(t, err, ErrKeyReused, "a's job still holds the key")
	assert.False(t, existing)
	assert.Empty(t, j.ID)
}
