package transport

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDeadlines(t *testing.T) {
	d := Deadlines{Timeout: time.Minute}
	before := time.Now()
	next := d.Next(true)
	assert.False(t, next.Before(before.Add(time.Minute)), "no deadline: the timeout from now")
	assert.True(t, next.Before(time.Now().Add(time.Minute+time.Second)))

	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	assert.Equal(t, at, d.Set(true, at))
	assert.Equal(t, at, d.Next(true))
	assert.NotEqual(t, at, d.Next(false), "reads and writes keep their own")
	assert.False(t, d.Set(true, time.Time{}).IsZero(), "zero restores the timeout")

	var forever Deadlines
	assert.True(t, forever.Next(false).IsZero(), "no timeout: no deadline")
}
