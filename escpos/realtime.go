package escpos

// AppendRecover appends DLE ENQ n, the real-time request that makes a
// printer recover from a recoverable error (an autocutter jam cleared, a
// cover closed mid-cut). With clear (n = 2) it also empties the receive
// and print buffers, so whatever was in them is lost: safe only when none
// of a job is there. Without (n = 1) printing restarts from the line where
// the error occurred.
func AppendRecover(b []byte, clear bool) []byte {
	n := byte(1)
	if clear {
		n = 2
	}
	return append(b, DLE, ENQ, n)
}
