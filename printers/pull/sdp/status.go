package sdp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
)

// DeviceStatus is one device's entry in a SetStatus notification.
type DeviceStatus struct {
	DevID string
	ASB   uint32 // ePOS-Print status bits: see StatusOf
}

// maxDevices bounds the entries of one notification.
const maxDevices = 64

// ParseStatus reads a SetStatus notification: a <statusmonitor>
// document whose device entries carry a <devid> and an <asbstatus> (the
// ePOS-Print status bits, decimal or 0x hex). Elements it does not know
// are skipped: the notification also reports other devices and events.
func ParseStatus(b []byte) ([]DeviceStatus, error) {
	if len(b) > 64<<10 {
		return nil, bad("Status of %d bytes (at most 64 KiB)", len(b))
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	var out []DeviceStatus
	var cur *DeviceStatus
	var path []string
	var text strings.Builder
	seenRoot, ended := false, false
	for {
		t, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, bad("Status: %v", err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			if ended {
				return nil, bad("Status: a second document")
			}
			if len(path) == 0 {
				if !strings.EqualFold(t.Name.Local, "statusmonitor") {
					return nil, bad("Status: root <%s>, want <statusmonitor>", t.Name.Local)
				}
				seenRoot = true
			}
			if len(path) > 16 {
				return nil, bad("Status: nested too deep")
			}
			path = append(path, strings.ToLower(t.Name.Local))
			text.Reset()
			if path[len(path)-1] == "devid" {
				if len(out) == maxDevices {
					return nil, bad("Status: more than %d devices", maxDevices)
				}
				out = append(out, DeviceStatus{})
				cur = &out[len(out)-1]
			}
		case xml.CharData:
			if text.Len() < 256 {
				text.Write(t)
			}
		case xml.EndElement:
			name := path[len(path)-1]
			v := strings.TrimSpace(text.String())
			switch {
			case name == "devid" && cur != nil:
				cur.DevID = clean(v)
			case name == "asbstatus":
				if cur == nil {
					out = append(out, DeviceStatus{DevID: DevID})
					cur = &out[len(out)-1]
				}
				n, err := strconv.ParseUint(v, 0, 32)
				if err != nil {
					return nil, bad("Status: asbstatus %q: want a number", v)
				}
				cur.ASB = uint32(n)
			}
			path = path[:len(path)-1]
			if len(path) == 0 {
				ended = true
			}
		}
	}
	if !seenRoot || !ended {
		return nil, bad("Status: not a <statusmonitor> document")
	}
	return out, nil
}

// Printer returns the printer's own entry (devid local_printer, or the
// first), and whether there is one.
func Printer(st []DeviceStatus) (DeviceStatus, bool) {
	for _, s := range st {
		if s.DevID == DevID {
			return s, true
		}
	}
	if len(st) > 0 {
		return st[0], true
	}
	return DeviceStatus{}, false
}
