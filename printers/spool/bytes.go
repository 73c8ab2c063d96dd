package spool

import bolt "go.etcd.io/bbolt"

// putBytes stores a job's ESC/POS.
func putBytes(tx *bolt.Tx, id string, b []byte) error {
	return tx.Bucket(bucketBytes).Put([]byte(id), b)
}

// deleteBytes removes a job's ESC/POS.
func deleteBytes(tx *bolt.Tx, id string) error {
	return tx.Bucket(bucketBytes).Delete([]byte(id))
}
