package transport

import (
	"fmt"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Kind says which transport an Address names.
type Kind uint8

const (
	KindSerial Kind = iota + 1
	KindUSB
	KindTCP
	KindFile
	KindVirtual
	// KindCloudPRNT and KindSDP name printers that pull their jobs (Star
	// CloudPRNT, Epson Server Direct Print): there is nothing to dial,
	// the printer asks the service for its jobs (Pulled).
	KindCloudPRNT
	KindSDP
)

// Valid reports whether k is one of the defined kinds (the zero Kind is not).
func (k Kind) Valid() bool { return k >= KindSerial && k <= KindSDP }

// Pulled reports whether k names a printer that fetches its jobs: no
// transport opens it.
func (k Kind) Pulled() bool { return k == KindCloudPRNT || k == KindSDP }

// String is the address scheme: "serial", "usb", "tcp", "file", "virtual".
func (k Kind) String() string {
	switch k {
	case KindSerial:
		return "serial"
	case KindUSB:
		return "usb"
	case KindTCP:
		return "tcp"
	case KindFile:
		return "file"
	case KindVirtual:
		return "virtual"
	case KindCloudPRNT:
		return "cloudprnt"
	case KindSDP:
		return "sdp"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Parity of a serial line.
type Parity byte

const (
	ParityNone  Parity = 'N'
	ParityOdd   Parity = 'O'
	ParityEven  Parity = 'E'
	ParityMark  Parity = 'M' // parity bit always 1 (Windows only: POSIX termios has no flag for it)
	ParitySpace Parity = 'S' // parity bit always 0 (Windows only: POSIX termios has no flag for it)
)

func (p Parity) Valid() bool {
	switch p {
	case ParityNone, ParityOdd, ParityEven, ParityMark, ParitySpace:
		return true
	}
	return false
}

// String is the letter used in addresses: N, O, E, M or S.
func (p Parity) String() string {
	if p.Valid() {
		return string(rune(p))
	}
	return fmt.Sprintf("Parity(%d)", byte(p))
}

// StopBits of a serial line.
type StopBits uint8

const (
	Stop1     StopBits = iota + 1
	Stop1Half          // 1.5 stop bits (Windows only: POSIX termios has no flag for it)
	Stop2
)

func (s StopBits) Valid() bool { return s >= Stop1 && s <= Stop2 }

// String is the value used in addresses: "1", "1.5" or "2".
func (s StopBits) String() string {
	switch s {
	case Stop1:
		return "1"
	case Stop1Half:
		return "1.5"
	case Stop2:
		return "2"
	}
	return fmt.Sprintf("StopBits(%d)", uint8(s))
}

// Flow is the serial flow control the driver applies in software.
type Flow uint8

const (
	// FlowXonXoff pauses writing on XOFF (0x13) and resumes on XON (0x11)
	// from the printer; both bytes are consumed. It is the default because
	// ESC/POS status bytes can never equal them (bit 0 is always 0 or bit 4
	// is always 0), so honouring them costs nothing on printers that use
	// DTR/DSR instead.
	FlowXonXoff Flow = iota
	// FlowNone passes every received byte through and never pauses.
	FlowNone
)

func (f Flow) Valid() bool { return f <= FlowNone }

// String is the value used in addresses: "xonxoff" or "none".
func (f Flow) String() string {
	switch f {
	case FlowXonXoff:
		return "xonxoff"
	case FlowNone:
		return "none"
	}
	return fmt.Sprintf("Flow(%d)", uint8(f))
}

// Defaults filled in by ParseAddress when a parameter is absent.
const (
	DefaultBaud     = 9600
	DefaultDataBits = 8
	DefaultTCPPort  = 9100
)

// SerialAddress is serial:///dev/ttyUSB0?baud=19200&databits=8&parity=N&stopbits=1&flow=xonxoff&timeout=500ms
// or serial://COM3?... on Windows.
type SerialAddress struct {
	Port     string // absolute device path, or "COMn"
	Baud     int
	DataBits int // 5..8
	Parity   Parity
	StopBits StopBits
	Flow     Flow
	Timeout  time.Duration // 0: the serial package's default
}

// USBAddress is usb://04b8:0202, optionally with ?serial=XYZ or ?bus=1&addr=5
// to pick one of several identical printers.
type USBAddress struct {
	VID, PID uint16
	Serial   string        // "" matches any
	Bus      int           // 0 matches any
	Addr     int           // 0 matches any
	Timeout  time.Duration // 0: the usb package's default
}

// TCPAddress is tcp://192.0.2.10:9100 (port defaults to 9100).
type TCPAddress struct {
	Host    string // name or IP; IPv6 without brackets
	Port    int
	Timeout time.Duration // 0: the tcp package's default
}

// FileAddress is file:///dev/usb/lp0 (any absolute path, written raw).
type FileAddress struct {
	Path    string
	Timeout time.Duration // 0: the file package's default
}

// VirtualAddress is virtual:// or virtual://name?key=value...; the options
// belong to the virtual printer and are not interpreted here.
type VirtualAddress struct {
	Name    string
	Options map[string]string // nil when there are none
}

// CloudPRNTAddress is cloudprnt://00:11:62:1a:2b:3c: a Star CloudPRNT
// printer, known by its MAC (lower case, ':'-separated).
type CloudPRNTAddress struct{ MAC string }

// SDPAddress is sdp://ID: an Epson Server Direct Print printer, known by
// the ID set in its WebConfig (letters, digits, '.', '-', '_').
type SDPAddress struct{ ID string }

// Address is a parsed printer address. Only the field matching Kind is
// meaningful.
type Address struct {
	Kind      Kind
	Serial    SerialAddress
	USB       USBAddress
	TCP       TCPAddress
	File      FileAddress
	Virtual   VirtualAddress
	CloudPRNT CloudPRNTAddress
	SDP       SDPAddress
}

// maxAddressLen bounds input so a hostile config cannot make parsing costly.
const maxAddressLen = 4096

func invalid(s, format string, args ...any) error {
	return fmt.Errorf("%w %q: %s", ErrInvalidAddress, s, fmt.Sprintf(format, args...))
}

// ParseAddress parses a printer address. It is pure: nothing is opened or
// resolved. Unknown or repeated parameters are errors so typos do not pass
// silently. For every address it accepts, ParseAddress(a.String()) returns a
// again.
func ParseAddress(s string) (Address, error) {
	if len(s) > maxAddressLen {
		return Address{}, fmt.Errorf("%w: longer than %d bytes", ErrInvalidAddress, maxAddressLen)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return Address{}, invalid(s, "control byte 0x%02x at offset %d", c, i)
		}
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return Address{}, invalid(s, "missing scheme; want serial://, usb://, tcp://, file://, virtual://, cloudprnt:// or sdp://")
	}
	if strings.ContainsRune(rest, '#') {
		return Address{}, invalid(s, "'#' is not allowed (escape it as %%23)")
	}
	body, rawQuery, _ := strings.Cut(rest, "?")
	q, err := parseQuery(rawQuery)
	if err != nil {
		return Address{}, invalid(s, "%v", err)
	}
	var a Address
	switch strings.ToLower(scheme) {
	case "serial":
		a.Kind = KindSerial
		a.Serial, err = parseSerial(body, q)
	case "usb":
		a.Kind = KindUSB
		a.USB, err = parseUSB(body, q)
	case "tcp":
		a.Kind = KindTCP
		a.TCP, err = parseTCP(body, q)
	case "file":
		a.Kind = KindFile
		a.File, err = parseFile(body, q)
	case "virtual":
		a.Kind = KindVirtual
		a.Virtual, err = parseVirtual(body, q)
		q = nil // the virtual printer owns all options
	case "cloudprnt":
		a.Kind = KindCloudPRNT
		a.CloudPRNT.MAC, err = parseMAC(trimSlash(body))
	case "sdp":
		a.Kind = KindSDP
		a.SDP.ID, err = parseSDPID(trimSlash(body))
	default:
		return Address{}, invalid(s, "unknown scheme %q; want serial, usb, tcp, file, virtual, cloudprnt or sdp", scheme)
	}
	if err != nil {
		return Address{}, invalid(s, "%v", err)
	}
	if len(q) > 0 {
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return Address{}, invalid(s, "unknown parameter %q for %s", keys[0], a.Kind)
	}
	return a, nil
}

// parseQuery splits k=v&k=v, unescaping both sides and rejecting repeats.
func parseQuery(raw string) (map[string]string, error) {
	q := map[string]string{}
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, err := url.QueryUnescape(k)
		if err != nil {
			return nil, fmt.Errorf("parameter name: %w", err)
		}
		if v, err = url.QueryUnescape(v); err != nil {
			return nil, fmt.Errorf("parameter %q: %w", k, err)
		}
		if k == "" {
			return nil, fmt.Errorf("empty parameter name")
		}
		if hasControl(k) || hasControl(v) {
			return nil, fmt.Errorf("parameter %q: control byte in escaped text", k)
		}
		if _, dup := q[k]; dup {
			return nil, fmt.Errorf("parameter %q given twice", k)
		}
		q[k] = v
	}
	return q, nil
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// atoiDigits accepts only decimal digits (no sign, no spaces), at most 9.
func atoiDigits(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// take removes key from q and reports whether it was there.
func take(q map[string]string, key string) (string, bool) {
	v, ok := q[key]
	delete(q, key)
	return v, ok
}

func takeInt(q map[string]string, key string, lo, hi int) (int, bool, error) {
	v, ok := take(q, key)
	if !ok {
		return 0, false, nil
	}
	n, ok := atoiDigits(v)
	if !ok || n < lo || n > hi {
		return 0, false, fmt.Errorf("%s=%q: want an integer %d..%d", key, v, lo, hi)
	}
	return n, true, nil
}

func takeTimeout(q map[string]string) (time.Duration, error) {
	v, ok := take(q, "timeout")
	if !ok {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("timeout=%q: want a positive duration like 500ms or 5s", v)
	}
	return d, nil
}

// trimSlash drops one trailing "/" after a host-like body (tcp://h:9100/).
func trimSlash(body string) string { return strings.TrimSuffix(body, "/") }

func parseSerial(body string, q map[string]string) (SerialAddress, error) {
	a := SerialAddress{Baud: DefaultBaud, DataBits: DefaultDataBits, Parity: ParityNone, StopBits: Stop1, Flow: FlowXonXoff}
	switch {
	case body == "":
		return a, fmt.Errorf("missing port; want serial:///dev/ttyUSB0 or serial://COM3")
	case strings.HasPrefix(body, "/"):
		p, err := parsePath(body)
		if err != nil {
			return a, err
		}
		a.Port = p
	default:
		n, ok := comNumber(body)
		if !ok {
			return a, fmt.Errorf("port %q is neither an absolute path nor COMn (did you mean serial:///%s?)", body, body)
		}
		a.Port = "COM" + strconv.Itoa(n)
	}
	var err error
	if n, ok, err := takeInt(q, "baud", 1, 4_000_000); err != nil {
		return a, err
	} else if ok {
		a.Baud = n
	}
	if n, ok, err := takeInt(q, "databits", 5, 8); err != nil {
		return a, err
	} else if ok {
		a.DataBits = n
	}
	if v, ok := take(q, "parity"); ok {
		if a.Parity, err = parseParity(v); err != nil {
			return a, err
		}
	}
	if v, ok := take(q, "stopbits"); ok {
		switch v {
		case "1":
			a.StopBits = Stop1
		case "1.5":
			a.StopBits = Stop1Half
		case "2":
			a.StopBits = Stop2
		default:
			return a, fmt.Errorf("stopbits=%q: want 1, 1.5 or 2", v)
		}
	}
	if v, ok := take(q, "flow"); ok {
		switch strings.ToLower(v) {
		case "xonxoff":
			a.Flow = FlowXonXoff
		case "none":
			a.Flow = FlowNone
		default:
			return a, fmt.Errorf("flow=%q: want xonxoff or none", v)
		}
	}
	a.Timeout, err = takeTimeout(q)
	return a, err
}

// comNumber accepts COM1..COM256 in any case.
func comNumber(s string) (int, bool) {
	if len(s) < 4 || !strings.EqualFold(s[:3], "COM") {
		return 0, false
	}
	n, ok := atoiDigits(s[3:])
	if !ok || n < 1 || n > 256 {
		return 0, false
	}
	return n, true
}

func parseParity(v string) (Parity, error) {
	switch strings.ToUpper(v) {
	case "N", "NONE":
		return ParityNone, nil
	case "O", "ODD":
		return ParityOdd, nil
	case "E", "EVEN":
		return ParityEven, nil
	case "M", "MARK":
		return ParityMark, nil
	case "S", "SPACE":
		return ParitySpace, nil
	}
	return 0, fmt.Errorf("parity=%q: want N, O, E, M or S", v)
}

// parsePath unescapes an absolute path; file:///C:/x gives the Windows
// path C:/x.
func parsePath(body string) (string, error) {
	p, err := url.PathUnescape(body)
	if err != nil {
		return "", fmt.Errorf("path: %w", err)
	}
	if hasControl(p) {
		return "", fmt.Errorf("path contains a control byte")
	}
	if len(p) >= 4 && p[0] == '/' && isDrive(p[1:]) {
		p = p[1:]
	}
	if p == "/" {
		return "", fmt.Errorf("path %q names no file", p)
	}
	return p, nil
}

// isDrive reports whether p starts with a Windows drive like "C:/".
func isDrive(p string) bool {
	return len(p) >= 3 && (p[0]|0x20 >= 'a' && p[0]|0x20 <= 'z') && p[1] == ':' && (p[2] == '/' || p[2] == '\\')
}

func parseUSB(body string, q map[string]string) (USBAddress, error) {
	var a USBAddress
	vid, pid, ok := strings.Cut(trimSlash(body), ":")
	if !ok {
		return a, fmt.Errorf("want usb://VID:PID with hex ids, e.g. usb://04b8:0202")
	}
	var err error
	if a.VID, err = parseHex16(vid); err != nil {
		return a, fmt.Errorf("vendor id: %w", err)
	}
	if a.PID, err = parseHex16(pid); err != nil {
		return a, fmt.Errorf("product id: %w", err)
	}
	if v, ok := take(q, "serial"); ok {
		if v == "" {
			return a, fmt.Errorf("serial= is empty")
		}
		a.Serial = v
	}
	if a.Bus, _, err = takeInt(q, "bus", 1, 255); err != nil {
		return a, err
	}
	if a.Addr, _, err = takeInt(q, "addr", 1, 127); err != nil {
		return a, err
	}
	a.Timeout, err = takeTimeout(q)
	return a, err
}

func parseHex16(s string) (uint16, error) {
	if len(s) < 1 || len(s) > 4 {
		return 0, fmt.Errorf("%q: want 1 to 4 hex digits", s)
	}
	var v uint16
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			d = (c | 0x20) - 'a' + 10
		default:
			return 0, fmt.Errorf("%q: want 1 to 4 hex digits", s)
		}
		v = v<<4 | uint16(d)
	}
	return v, nil
}

func parseTCP(body string, q map[string]string) (TCPAddress, error) {
	a := TCPAddress{Port: DefaultTCPPort}
	body = trimSlash(body)
	var host, port string
	hasPort := false
	if strings.HasPrefix(body, "[") {
		end := strings.IndexByte(body, ']')
		if end < 0 {
			return a, fmt.Errorf("missing ']' after IPv6 address")
		}
		host = body[1:end]
		after := body[end+1:]
		if after != "" {
			if after[0] != ':' {
				return a, fmt.Errorf("unexpected %q after ']'", after)
			}
			port, hasPort = after[1:], true
		}
		if !isIPv6(host) {
			return a, fmt.Errorf("%q is not an IPv6 address", host)
		}
	} else {
		if strings.Count(body, ":") > 1 {
			return a, fmt.Errorf("IPv6 addresses need brackets: tcp://[%s]", body)
		}
		host, port, hasPort = strings.Cut(body, ":")
		if err := checkHostname(host); err != nil {
			return a, err
		}
	}
	a.Host = host
	if hasPort {
		n, ok := atoiDigits(port)
		if !ok || n < 1 || n > 65535 {
			return a, fmt.Errorf("port %q: want 1..65535", port)
		}
		a.Port = n
	}
	var err error
	a.Timeout, err = takeTimeout(q)
	return a, err
}

func checkHostname(h string) error {
	if h == "" {
		return fmt.Errorf("missing host; want tcp://HOST[:PORT]")
	}
	if len(h) > 253 {
		return fmt.Errorf("host name longer than 253 bytes")
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return fmt.Errorf("host %q: byte %q not allowed", h, c)
		}
	}
	return nil
}

// isIPv6 accepts IPv6 literals without a zone (zones would need escaping).
func isIPv6(h string) bool {
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.Is6() && ip.Zone() == ""
}

func parseFile(body string, q map[string]string) (FileAddress, error) {
	var a FileAddress
	if !strings.HasPrefix(body, "/") {
		return a, fmt.Errorf("file path must be absolute: file:///path (three slashes)")
	}
	p, err := parsePath(body)
	if err != nil {
		return a, err
	}
	a.Path = p
	a.Timeout, err = takeTimeout(q)
	return a, err
}

func parseVirtual(body string, q map[string]string) (VirtualAddress, error) {
	var a VirtualAddress
	name := trimSlash(body)
	if len(name) > 64 {
		return a, fmt.Errorf("virtual printer name longer than 64 bytes")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return a, fmt.Errorf("virtual printer name %q: byte %q not allowed", name, c)
		}
	}
	a.Name = name
	if len(q) > 0 {
		a.Options = make(map[string]string, len(q))
		for k, v := range q {
			a.Options[k] = v
		}
	}
	return a, nil
}

// parseMAC reads six hex pairs separated by ':' or '-' and returns them
// in lower case with ':'.
func parseMAC(s string) (string, error) {
	const want = "want the printer's MAC as six hex pairs, e.g. cloudprnt://00:11:62:1a:2b:3c"
	if len(s) != 17 {
		return "", fmt.Errorf("%s", want)
	}
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if i%3 == 2 {
			if c != ':' && c != '-' {
				return "", fmt.Errorf("%s", want)
			}
			b[i] = ':'
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", fmt.Errorf("%s", want)
		}
	}
	return string(b), nil
}

// parseSDPID checks a Server Direct Print ID.
func parseSDPID(s string) (string, error) {
	if s == "" || len(s) > 64 {
		return "", fmt.Errorf("want the printer's Server Direct Print ID (1 to 64 characters), e.g. sdp://shop-1")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return "", fmt.Errorf("SDP ID %q: byte %q not allowed (letters, digits, '.', '-', '_')", s, c)
		}
	}
	return s, nil
}

// String formats the address canonically; ParseAddress reads it back to the
// same value. An Address with an invalid Kind formats as "invalid://".
func (a Address) String() string {
	switch a.Kind {
	case KindSerial:
		return a.Serial.String()
	case KindUSB:
		return a.USB.String()
	case KindTCP:
		return a.TCP.String()
	case KindFile:
		return a.File.String()
	case KindVirtual:
		return a.Virtual.String()
	case KindCloudPRNT:
		return "cloudprnt://" + a.CloudPRNT.MAC
	case KindSDP:
		return "sdp://" + a.SDP.ID
	}
	return "invalid://"
}

// query builds "?k=v&k=v" in the order given, skipping empty values.
type query []string

func (q query) add(k, v string) query {
	if v == "" {
		return q
	}
	return append(q, url.QueryEscape(k)+"="+url.QueryEscape(v))
}

func (q query) String() string {
	if len(q) == 0 {
		return ""
	}
	return "?" + strings.Join(q, "&")
}

func durationString(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return d.String()
}

func itoaNonZero(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// String always spells out the line settings so logs show what was used.
func (a SerialAddress) String() string {
	var b strings.Builder
	b.WriteString("serial://")
	if _, ok := comNumber(a.Port); ok && !strings.HasPrefix(a.Port, "/") {
		b.WriteString(a.Port)
	} else {
		b.WriteString(escapePath(a.Port))
	}
	flow := ""
	if a.Flow != FlowXonXoff {
		flow = a.Flow.String()
	}
	var q query
	q = q.add("baud", strconv.Itoa(a.Baud)).
		add("databits", strconv.Itoa(a.DataBits)).
		add("parity", a.Parity.String()).
		add("stopbits", a.StopBits.String()).
		add("flow", flow).
		add("timeout", durationString(a.Timeout))
	b.WriteString(q.String())
	return b.String()
}

func (a USBAddress) String() string {
	var q query
	q = q.add("serial", a.Serial).
		add("bus", itoaNonZero(a.Bus)).
		add("addr", itoaNonZero(a.Addr)).
		add("timeout", durationString(a.Timeout))
	return fmt.Sprintf("usb://%04x:%04x%s", a.VID, a.PID, q)
}

func (a TCPAddress) String() string {
	host := a.Host
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	var q query
	q = q.add("timeout", durationString(a.Timeout))
	return "tcp://" + host + ":" + strconv.Itoa(a.Port) + q.String()
}

func (a FileAddress) String() string {
	var q query
	q = q.add("timeout", durationString(a.Timeout))
	return "file://" + escapePath(a.Path) + q.String()
}

func (a VirtualAddress) String() string {
	keys := make([]string, 0, len(a.Options))
	for k := range a.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		// Empty values are kept (k=) so the option survives a round trip.
		parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(a.Options[k]))
	}
	s := "virtual://" + a.Name
	if len(parts) > 0 {
		s += "?" + strings.Join(parts, "&")
	}
	return s
}

// escapePath percent-encodes what would otherwise end the path or be
// misread ('%', '?', '#', spaces, controls) and gives Windows drive paths
// their leading slash.
func escapePath(p string) string {
	var b strings.Builder
	if isDrive(p) {
		b.WriteByte('/')
	}
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c <= ' ' || c == 0x7f || c == '%' || c == '?' || c == '#' {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
