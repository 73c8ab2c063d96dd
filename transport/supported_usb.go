//go:build usb && cgo

package transport

const usbBuilt = true
