package spool

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// LostCommitFile is the file beside the spool at path that says a start
// found one of bbolt's two meta pages unreadable: the spool opened as of
// the other page, and if the unreadable one held the last commit, the jobs
// accepted in that commit are gone although their clients were told they
// were accepted. Its text says when and what was found. It stays until a
// person has compared the tills' last receipts with the job list and
// removes it: that is the acknowledgement (docs/spool.md).
func LostCommitFile(path string) string { return path + ".lost-commit" }

func writeLostCommit(path, found string) error {
	text := time.Now().UTC().Format(time.RFC3339) + " " + found + "\n"
	return os.WriteFile(LostCommitFile(path), []byte(text), 0o600)
}

// readLostCommit is the warning LostCommitFile holds, "" without one.
func readLostCommit(path string) string {
	b, err := os.ReadFile(LostCommitFile(path))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// Warning is what a person must look at before trusting the spool's job
// list: that jobs accepted in the last commit before a start may be
// missing (LostCommitFile), until the file is removed. "" when all is well.
func (s *Spool) Warning() string {
	if w := readLostCommit(s.db.Path()); w != "" {
		return fmt.Sprintf("jobs accepted in the last commit may be missing: %s; acknowledge by removing %s", w, LostCommitFile(s.db.Path()))
	}
	return ""
}
