package printers

//go:generate go run ./internal/dbgen -db ../../shared/escpos-printer-db

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/secuprint/receipt/escpos"
)

// ErrUnknownModel is wrapped by Lookup when no profile has the given ID.
var ErrUnknownModel = errors.New("printers: unknown printer model")

// Lookup returns the profile whose ID equals id, ignoring case. The profile
// is shared: callers must not modify it.
func Lookup(id string) (*escpos.Profile, error) {
	for i := range models {
		if strings.EqualFold(models[i].ID, id) {
			return &models[i], nil
		}
	}
	if near := nearest(id, 3); len(near) > 0 {
		return nil, fmt.Errorf("%w %q (did you mean %s? `receipt models` lists all)", ErrUnknownModel, id, strings.Join(near, ", "))
	}
	return nil, fmt.Errorf("%w %q (run `receipt models` to list the known models)", ErrUnknownModel, id)
}

// Models returns every known profile, sorted by ID. The profiles are shared:
// callers must not modify them.
func Models() []*escpos.Profile {
	ps := make([]*escpos.Profile, len(models))
	for i := range models {
		ps[i] = &models[i]
	}
	return ps
}

// nearest returns up to n IDs that look like a typo or a part of id: those
// containing it, or within a few edits of it, closest first.
func nearest(id string, n int) []string {
	q := strings.ToLower(id)
	if q == "" {
		return nil
	}
	type cand struct {
		id   string
		dist int
	}
	var cands []cand
	for i := range models {
		m := strings.ToLower(models[i].ID)
		d := editDistance(q, m)
		if strings.Contains(m, q) || strings.Contains(q, m) {
			d = min(d, 1) // "t88v" should find "TM-T88V" first
		}
		if d <= max(2, len(q)/3) {
			cands = append(cands, cand{models[i].ID, d})
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].dist < cands[j].dist })
	var ids []string
	for _, c := range cands[:min(n, len(cands))] {
		ids = append(ids, c.id)
	}
	return ids
}

// editDistance is the Levenshtein distance between a and b, by bytes (IDs
// are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
