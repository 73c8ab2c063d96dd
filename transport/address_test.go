package transport

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func serialDefaults(port string) SerialAddress {
	return SerialAddress{Port: port, Baud: 9600, DataBits: 8, Parity: ParityNone, StopBits: Stop1, Flow: FlowXonXoff}
}

func TestParseAddress(t *testing.T) {
	withSerial := func(f func(*SerialAddress)) Address {
		a := serialDefaults("/dev/ttyUSB0")
		f(&a)
		return Address{Kind: KindSerial, Serial: a}
	}
	tests := []struct {
		in        string
		want      Address
		canonical string
	}{
		{
			in:        "serial:///dev/ttyUSB0?baud=19200&databits=8&parity=N&stopbits=1&timeout=500ms",
			want:      withSerial(func(a *SerialAddress) { a.Baud = 19200; a.Timeout = 500 * time.Millisecond }),
			canonical: "serial:///dev/ttyUSB0?baud=19200&databits=8&parity=N&stopbits=1&timeout=500ms",
		},
		{
			in:        "serial:///dev/ttyUSB0",
			want:      withSerial(func(*SerialAddress) {}),
			canonical: "serial:///dev/ttyUSB0?baud=9600&databits=8&parity=N&stopbits=1",
		},
		{
			in:        "SERIAL:///dev/ttyS0?parity=even&databits=7&stopbits=2&flow=none&baud=115200",
			want:      Address{Kind: KindSerial, Serial: SerialAddress{Port: "/dev/ttyS0", Baud: 115200, DataBits: 7, Parity: ParityEven, StopBits: Stop2, Flow: FlowNone}},
			canonical: "serial:///dev/ttyS0?baud=115200&databits=7&parity=E&stopbits=2&flow=none",
		},
		{
			in:        "serial://com3?baud=19200&stopbits=1.5&parity=o",
			want:      Address{Kind: KindSerial, Serial: SerialAddress{Port: "COM3", Baud: 19200, DataBits: 8, Parity: ParityOdd, StopBits: Stop1Half}},
			canonical: "serial://COM3?baud=19200&databits=8&parity=O&stopbits=1.5",
		},
		{
			in:        "serial://COM010",
			want:      Address{Kind: KindSerial, Serial: serialDefaults("COM10")},
			canonical: "serial://COM10?baud=9600&databits=8&parity=N&stopbits=1",
		},
		{
			in:        "serial:///dev/serial/by-id/usb-Prolific%20Tech-if00",
			want:      Address{Kind: KindSerial, Serial: serialDefaults("/dev/serial/by-id/usb-Prolific Tech-if00")},
			canonical: "serial:///dev/serial/by-id/usb-Prolific%20Tech-if00?baud=9600&databits=8&parity=N&stopbits=1",
		},
		{
			in:        "usb://04b8:0202",
			want:      Address{Kind: KindUSB, USB: USBAddress{VID: 0x04b8, PID: 0x0202}},
			canonical: "usb://04b8:0202",
		},
		{
			in:        "usb://4B8:E15/?serial=J5A+1234%2F5",
			want:      Address{Kind: KindUSB, USB: USBAddress{VID: 0x04b8, PID: 0x0e15, Serial: "J5A 1234/5"}},
			canonical: "usb://04b8:0e15?serial=J5A+1234%2F5",
		},
		{
			in:        "usb://0416:5011?bus=1&addr=5&timeout=2s",
			want:      Address{Kind: KindUSB, USB: USBAddress{VID: 0x0416, PID: 0x5011, Bus: 1, Addr: 5, Timeout: 2 * time.Second}},
			canonical: "usb://0416:5011?bus=1&addr=5&timeout=2s",
		},
		{
			in:        "tcp://192.0.2.10:9100",
			want:      Address{Kind: KindTCP, TCP: TCPAddress{Host: "192.0.2.10", Port: 9100}},
			canonical: "tcp://192.0.2.10:9100",
		},
		{
			in:        "tcp://printer.example/?timeout=1m30s",
			want:      Address{Kind: KindTCP, TCP: TCPAddress{Host: "printer.example", Port: 9100, Timeout: 90 * time.Second}},
			canonical: "tcp://printer.example:9100?timeout=1m30s",
		},
		{
			in:        "tcp://[2001:db8::1]:9101",
			want:      Address{Kind: KindTCP, TCP: TCPAddress{Host: "2001:db8::1", Port: 9101}},
			canonical: "tcp://[2001:db8::1]:9101",
		},
		{
			in:        "tcp://[::1]",
			want:      Address{Kind: KindTCP, TCP: TCPAddress{Host: "::1", Port: 9100}},
			canonical: "tcp://[::1]:9100",
		},
		{
			in:        "file:///dev/usb/lp0",
			want:      Address{Kind: KindFile, File: FileAddress{Path: "/dev/usb/lp0"}},
			canonical: "file:///dev/usb/lp0",
		},
		{
			in:        "file:///tmp/out%3F%231%25.bin?timeout=250ms",
			want:      Address{Kind: KindFile, File: FileAddress{Path: "/tmp/out?#1%.bin", Timeout: 250 * time.Millisecond}},
			canonical: "file:///tmp/out%3F%231%25.bin?timeout=250ms",
		},
		{
			in:        "file:///C:/receipts/out.bin",
			want:      Address{Kind: KindFile, File: FileAddress{Path: "C:/receipts/out.bin"}},
			canonical: "file:///C:/receipts/out.bin",
		},
		{
			in:        "virtual://",
			want:      Address{Kind: KindVirtual},
			canonical: "virtual://",
		},
		{
			in:        "virtual://counter-2?paper=near-end&model=TM-T88V&flag",
			want:      Address{Kind: KindVirtual, Virtual: VirtualAddress{Name: "counter-2", Options: map[string]string{"paper": "near-end", "model": "TM-T88V", "flag": ""}}},
			canonical: "virtual://counter-2?flag=&model=TM-T88V&paper=near-end",
		},
		{
			in:        "cloudprnt://00:11:62:1A:2B:3C",
			want:      Address{Kind: KindCloudPRNT, CloudPRNT: CloudPRNTAddress{MAC: "00:11:62:1a:2b:3c"}},
			canonical: "cloudprnt://00:11:62:1a:2b:3c",
		},
		{
			in:        "CloudPRNT://00-11-62-1a-2b-3c/",
			want:      Address{Kind: KindCloudPRNT, CloudPRNT: CloudPRNTAddress{MAC: "00:11:62:1a:2b:3c"}},
			canonical: "cloudprnt://00:11:62:1a:2b:3c",
		},
		{
			in:        "sdp://shop-1.front_till",
			want:      Address{Kind: KindSDP, SDP: SDPAddress{ID: "shop-1.front_till"}},
			canonical: "sdp://shop-1.front_till",
		},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseAddress(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.canonical, got.String())
			again, err := ParseAddress(got.String())
			require.NoError(t, err)
			assert.Equal(t, got, again)
		})
	}
}

func TestParseAddressErrors(t *testing.T) {
	tests := []struct {
		in, mention string
	}{
		{"", "missing scheme"},
		{"/dev/ttyUSB0", "missing scheme"},
		{"lpt://1", "unknown scheme"},
		{"serial://", "missing port"},
		{"serial://dev/ttyUSB0", "did you mean serial:///dev/ttyUSB0"},
		{"serial://COM0", "neither"},
		{"serial://COM257", "neither"},
		{"serial:///dev/ttyUSB0?baud=0", "baud"},
		{"serial:///dev/ttyUSB0?baud=-9600", "baud"},
		{"serial:///dev/ttyUSB0?baud=fast", "baud"},
		{"serial:///dev/ttyUSB0?baudrate=9600", `unknown parameter "baudrate"`},
		{"serial:///dev/ttyUSB0?baud=9600&baud=19200", "twice"},
		{"serial:///dev/ttyUSB0?databits=9", "databits"},
		{"serial:///dev/ttyUSB0?parity=X", "parity"},
		{"serial:///dev/ttyUSB0?stopbits=3", "stopbits"},
		{"serial:///dev/ttyUSB0?flow=rtscts", "flow"},
		{"serial:///dev/ttyUSB0?timeout=0s", "timeout"},
		{"serial:///dev/ttyUSB0?timeout=-1s", "timeout"},
		{"serial:///dev/ttyUSB0?timeout=soon", "timeout"},
		{"serial:///dev/tty%00USB0", "control"},
		{"serial:///dev/tty%zz", "path"},
		{"serial:///", "names no file"},
		{"serial:///dev/ttyUSB0\n", "control byte"},
		{"usb://", "VID:PID"},
		{"usb://04b8", "VID:PID"},
		{"usb://04b8:", "product id"},
		{"usb://0x4b8:0202", "vendor id"},
		{"usb://04b8:12345", "product id"},
		{"usb://04b8:0202?serial=", "empty"},
		{"usb://04b8:0202?bus=0", "bus"},
		{"usb://04b8:0202?addr=128", "addr"},
		{"usb://04b8:0202?port=1", "unknown parameter"},
		{"tcp://", "missing host"},
		{"tcp://:9100", "missing host"},
		{"tcp://host:0", "port"},
		{"tcp://host:65536", "port"},
		{"tcp://host:", "port"},
		{"tcp://2001:db8::1", "brackets"},
		{"tcp://[2001:db8::1", "']'"},
		{"tcp://[nothex]:9100", "IPv6"},
		{"tcp://[fe80::1%25eth0]", "IPv6"},
		{"tcp://user@host", "not allowed"},
		{"tcp://host/path", "not allowed"},
		{"tcp://host#frag", "'#'"},
		{"tcp://host?timeout=1s&keepalive=1", "unknown parameter"},
		{"file://", "absolute"},
		{"file://relative/out.bin", "absolute"},
		{"file:///dev/usb/lp0?mode=raw", "unknown parameter"},
		{"virtual://bad name", "not allowed"},
		{"virtual://x?a=1&a=2", "twice"},
		{"virtual://x?=1", "empty parameter name"},
		{"virtual://x?a=%zz", "parameter"},
		{"virtual://x?a=%07", "control"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseAddress(tt.in)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidAddress)
			assert.Contains(t, err.Error(), tt.mention)
		})
	}
}

func TestParseAddressTooLong(t *testing.T) {
	long := make([]byte, maxAddressLen)
	for i := range long {
		long[i] = 'a'
	}
	_, err := ParseAddress("file:///" + string(long))
	assert.ErrorIs(t, err, ErrInvalidAddress)
}

func TestAddressStringInvalidKind(t *testing.T) {
	assert.Equal(t, "invalid://", Address{}.String())
	assert.Equal(t, "Kind(0)", Kind(0).String())
	assert.False(t, Kind(0).Valid())
	assert.False(t, Kind(8).Valid())
	assert.True(t, KindVirtual.Valid())
	assert.True(t, KindSDP.Valid())
}

func TestEnumStrings(t *testing.T) {
	assert.Equal(t, "E", ParityEven.String())
	assert.Equal(t, "Parity(88)", Parity('X').String())
	assert.False(t, Parity(0).Valid())
	assert.Equal(t, "1.5", Stop1Half.String())
	assert.Equal(t, "StopBits(0)", StopBits(0).String())
	assert.False(t, StopBits(4).Valid())
	assert.Equal(t, "xonxoff", FlowXonXoff.String())
	assert.Equal(t, "Flow(7)", Flow(7).String())
	assert.False(t, Flow(2).Valid())
}

func TestSentinelsMatchStandardErrors(t *testing.T) {
	tests := []struct {
		ours, std error
	}{
		{ErrNotFound, fs.ErrNotExist},
		{ErrAccessDenied, fs.ErrPermission},
		{ErrTimeout, os.ErrDeadlineExceeded},
		{ErrUnsupported, errors.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.ours.Error(), func(t *testing.T) {
			wrapped := errors.Join(errors.New("context"), tt.ours)
			assert.ErrorIs(t, wrapped, tt.ours)
			assert.ErrorIs(t, wrapped, tt.std)
			assert.NotErrorIs(t, tt.std, tt.ours)
		})
	}
	assert.NotErrorIs(t, ErrBusy, ErrClosed)
}

func TestPulledAddresses(t *testing.T) {
	for _, bad := range []string{
		"cloudprnt://", "cloudprnt://00:11:62:1a:2b", "cloudprnt://00:11:62:1a:2b:3g", "cloudprnt://00:11:62:1a:2b:3c?x=1",
		"cloudprnt://00.11.62.1a.2b.3c", "sdp://", "sdp://a b", "sdp://a%2Fb", "sdp://" + strings.Repeat("a", 65), "sdp://x?user=y",
	} {
		_, err := ParseAddress(bad)
		assert.ErrorIs(t, err, ErrInvalidAddress, bad)
	}
	a, err := ParseAddress("sdp://x")
	require.NoError(t, err)
	assert.True(t, a.Kind.Pulled())
	assert.ErrorIs(t, Supported("sdp://x"), ErrPulled, "no transport opens a pulled printer")
	assert.False(t, KindTCP.Pulled())
	assert.ErrorIs(t, ErrPulled, ErrUnsupported)
}
