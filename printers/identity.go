package printers

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// A printer says what it is in three places, read in this order so that
// nothing is printed on the wrong kind of printer: the USB device strings
// (read from the descriptors, without claiming the printer interface), the
// real-time status requests that tell a Star from an ESC/POS printer
// (DetectStar), and only then that language's identity request:
//
//   - ESC/POS: GS I n. n = 1, 2, 3 answer one byte (model ID, type ID, ROM
//     version ID) whose bits 4 and 7 are clear, so it cannot be taken for a
//     real-time status byte (bit 4 set); n = 65 firmware, 66 maker, 67 model
//     name, 68 serial number, 69 font/character language answer a block
//     0x5F, text, NUL. Epson "ESC/POS Command Reference", GS I; Bixolon
//     SRP-330II/SRP-F310 command manuals (0 to 15 bytes of text); Bematech
//     MP-4000 manual (model ID 0x20 "TM-T88II series", maker BEMATECH).
//   - Star: ESC # * LF NUL answers ESC # * , <model> Ver<version> LF NUL
//     (STAR Line Mode Command Specifications, "Inquire printer version":
//     "ESC # *, HSP7000 Ver. 1.0 LF NUL"); the ASB's header 2 carries its
//     version.

// GS I functions Identify asks, in the order it asks them.
const (
	IDModel       = 1  // one byte: printer model ID
	IDType        = 2  // one byte: bit 0 multi-byte characters, bit 1 autocutter
	IDROM         = 3  // one byte: ROM version ID
	IDFirmware    = 65 // text: firmware version
	IDMaker       = 66 // text: manufacturer
	IDModelName   = 67 // text: model name
	IDSerial      = 68 // text: serial number
	IDFontLang    = 69 // text: font/character language ("INTERNATIONAL", a code page)
	maxIDInfoText = 80 // longer than any documented answer (Bixolon: 15); a runaway is garbage
)

// IdentityFunctions are the GS I functions Identify asks, in order.
var IdentityFunctions = []byte{IDModel, IDType, IDROM, IDMaker, IDModelName, IDSerial, IDFirmware, IDFontLang}

// StarVersionRequest is ESC # * LF NUL: send the model and firmware version.
var StarVersionRequest = []byte{0x1B, '#', '*', 0x0A, 0x00}

// Errors of identity answers.
var (
	// ErrShortAnswer: the answer is not complete yet; read on.
	ErrShortAnswer = errors.New("printers: identity answer: more bytes to come")
	// ErrGarbledAnswer: the bytes are no identity answer.
	ErrGarbledAnswer = errors.New("printers: garbled identity answer")
)

// IsPrinterIDByte reports whether b can be the one-byte answer to GS I 1–3:
// bits 4 and 7 clear ("0xx0xxxx").
func IsPrinterIDByte(b byte) bool { return b&0x90 == 0 }

// IsTextIDFunction reports whether GS I n answers a 0x5F … NUL block.
func IsTextIDFunction(n byte) bool { return n >= 65 && n <= 69 }

// ParseIDAnswer reads the answer to GS I n at the start of b: the byte for
// n = 1–3, the text for 65–69, and how many bytes it used. Bytes before the answer that are
// real-time status or ASB bytes (bit 4 set, not the 0x5F header) are skipped
// and counted in used; an answer that breaks the form is ErrGarbledAnswer,
// one that is cut off ErrShortAnswer.
func ParseIDAnswer(n byte, b []byte) (text string, id byte, used int, err error) {
	if !IsTextIDFunction(n) {
		for i, x := range b {
			if IsPrinterIDByte(x) {
				return "", x, i + 1, nil
			}
			if x == 0x5F {
				return "", 0, i, fmt.Errorf("%w: GS I %d answered a text block", ErrGarbledAnswer, n)
			}
		}
		return "", 0, len(b), ErrShortAnswer
	}
	start := bytes.IndexByte(b, 0x5F)
	if start < 0 {
		for i, x := range b {
			if IsPrinterIDByte(x) {
				return "", 0, i, fmt.Errorf("%w: GS I %d: byte 0x%02X where the 0x5F header belongs", ErrGarbledAnswer, n, x)
			}
		}
		return "", 0, len(b), ErrShortAnswer
	}
	for i, x := range b[:start] {
		if IsPrinterIDByte(x) {
			return "", 0, i, fmt.Errorf("%w: GS I %d: byte 0x%02X before the 0x5F header", ErrGarbledAnswer, n, x)
		}
	}
	for i := start + 1; i < len(b); i++ {
		x := b[i]
		switch {
		case x == 0:
			return strings.TrimSpace(string(b[start+1 : i])), 0, i + 1, nil
		case x < 0x20 || x >= 0x7F:
			return "", 0, i + 1, fmt.Errorf("%w: GS I %d: control or 8-bit byte 0x%02X in the text", ErrGarbledAnswer, n, x)
		case i-start > maxIDInfoText:
			return "", 0, i, fmt.Errorf("%w: GS I %d: no NUL within %d bytes", ErrGarbledAnswer, n, maxIDInfoText)
		}
	}
	return "", 0, start, ErrShortAnswer
}

// starVersionHead is how the answer to ESC # * LF NUL begins.
var starVersionHead = []byte{0x1B, '#', '*', ','}

// ParseStarVersion reads the answer to ESC # * LF NUL at the start of b
// (bytes before ESC # * , are skipped: ASB packets, XON/XOFF): the model
// and the firmware version. A text without "Ver" is all model.
func ParseStarVersion(b []byte) (model, version string, used int, err error) {
	start := bytes.Index(b, starVersionHead)
	if start < 0 {
		if len(b) > 64 {
			return "", "", len(b), fmt.Errorf("%w: no ESC # * , in %d bytes", ErrGarbledAnswer, len(b))
		}
		return "", "", 0, ErrShortAnswer
	}
	body := b[start+len(starVersionHead):]
	for i := 0; i < len(body); i++ {
		x := body[i]
		switch {
		case x == 0x0A:
			if i+1 >= len(body) {
				return "", "", 0, ErrShortAnswer
			}
			if body[i+1] != 0 {
				return "", "", start + len(starVersionHead) + i + 1, fmt.Errorf("%w: ESC # * answer: LF not followed by NUL", ErrGarbledAnswer)
			}
			model, version = splitStarVersion(string(body[:i]))
			return model, version, start + len(starVersionHead) + i + 2, nil
		case x < 0x20 || x >= 0x7F:
			return "", "", start + len(starVersionHead) + i + 1, fmt.Errorf("%w: ESC # * answer: byte 0x%02X in the text", ErrGarbledAnswer, x)
		case i > maxIDInfoText:
			return "", "", start + len(starVersionHead) + i, fmt.Errorf("%w: ESC # * answer: no LF within %d bytes", ErrGarbledAnswer, maxIDInfoText)
		}
	}
	return "", "", 0, ErrShortAnswer
}

// splitStarVersion splits "HSP7000 Ver. 1.0" into "HSP7000" and "1.0".
func splitStarVersion(s string) (model, version string) {
	s = strings.TrimSpace(s)
	i := strings.LastIndex(strings.ToUpper(s), "VER")
	if i <= 0 {
		return s, ""
	}
	version = strings.TrimLeft(s[i+3:], ". ")
	return strings.TrimSpace(s[:i]), strings.TrimSpace(version)
}
