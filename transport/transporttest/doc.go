// Package transporttest provides fakes for code that talks to printers
// through transport.Conn: a Record wrapper that keeps a link's conversation
// and a Playback conn that plays the printer's side of it back, modelled on
// periph.io's conntest; plus a write benchmark and a no-hang check the
// links' tests share. The in-memory link itself is transport.Pipe, which
// the virtual printer ships with.
package transporttest
