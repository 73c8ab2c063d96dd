package escpos

// AppendFeedLines prints the buffer and feeds n lines (ESC d n). It changes
// no state the encoder tracks; it is a method so a renderer can drive any
// command language through one interface.
func (e *Encoder) AppendFeedLines(dst []byte, n uint8) []byte { return AppendFeedLines(dst, n) }
