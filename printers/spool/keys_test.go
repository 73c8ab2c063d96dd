package spool

import (
	"testing"

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
		if tx.Bucket(bucketMeta) != nil {
			require.NoError(t, tx.DeleteBucket(bucketMeta))
		}
		return nil
	}))
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
