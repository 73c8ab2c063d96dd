package spool

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFailUnsent(t *testing.T) {
	for _, tt := range []struct {
		name  string
		state State
		want  State
		err   error
	}{
		{"queued", Queued, Failed, nil},
		{"failed already", Failed, Failed, nil},
		{"cancelled", Cancelled, Cancelled, nil},
		{"printing", Printing, Printing, ErrNotQueued},
		{"printed", Printed, Printed, ErrNotQueued},
		{"unknown", Unknown, Unknown, ErrNotQueued},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := open(t)
			j, _, err := s.Enqueue("p", "k", "", []byte("job"), nil)
			require.NoError(t, err)
			switch tt.state {
			case Queued:
			case Cancelled:
				_, err := s.Cancel(j.ID)
				require.NoError(t, err)
			default:
				s.finish(j.ID, tt.state, "", 0)
			}
			got, err := s.FailUnsent(j.ID, "answered: paper end")
			require.ErrorIs(t, err, tt.err)
			cur, gerr := s.Get(j.ID)
			require.NoError(t, gerr)
			require.Equal(t, tt.want, cur.State)
			if tt.err == nil {
				require.Equal(t, tt.want, got.State)
			}
			if tt.name == "queued" {
				require.Equal(t, "answered: paper end", cur.Reason)
				n, err := s.Counts()
				require.NoError(t, err)
				require.Equal(t, 1, n["p"][Failed])
				require.Zero(t, n["p"][Queued])
			}
		})
	}
	s, _ := open(t)
	_, err := s.FailUnsent("j-none", "x")
	require.ErrorIs(t, err, ErrNotFound)
}
