#!/usr/bin/python3
"""An Epson TM-T88V on USB, emulated at the usbdevfs ioctl level with umockdev,
for real libusb (through gousb) in the program it runs.

    tm-t88v.py PROGRAM [ARG...]

builds a umockdev testbed with one device, bus 1 address 2, 04b8:0202, one
printer-class interface with bulk OUT 0x01 and bulk IN 0x82 (64-byte packets),
runs PROGRAM in it (LD_PRELOAD=libumockdev-preload, UMOCKDEV_DIR) and exits
with its exit status. The printer answers DLE EOT n (real-time status) on bulk
IN with the byte a ready TM-T88V sends; EMU_PAPER=end makes it report paper
end; EMU_UNPLUG_AFTER=N unplugs it once N bytes have arrived (every later
URB fails with ENODEV, as usbdevfs does). EMU_OUT=FILE receives every byte
sent on bulk OUT.

Needs python3-gi and gir1.2-umockdev-1.0 (Debian); umockdev's handle-ioctl
signal lets this script answer each URB as a printer would, which a recorded
.ioctl tree cannot: it replays one URB at a time, in a fixed order.
"""
import os
import struct
import sys

import gi

gi.require_version('UMockdev', '1.0')
from gi.repository import GLib, UMockdev  # noqa: E402

# Device, configuration, interface (class 7 printer, bidirectional) and
# endpoint descriptors, as sysfs "descriptors" holds them.
DESCRIPTORS = bytes.fromhex(
    '1201' '0002' '00' '00' '00' '40' 'b804' '0202' '0001' '00' '00' '00' '01'
    '0902' '2000' '01' '01' '00' 'c0' '01'
    '0904' '00' '00' '02' '07' '01' '02' '00'
    '0705' '01' '02' '4000' '00'
    '0705' '82' '02' '4000' '00')

# usbdevfs ioctl numbers (linux/usbdevice_fs.h), by their 'U' number.
SETINTERFACE, SETCONFIGURATION, GETDRIVER, SUBMITURB, DISCARDURB = 4, 5, 8, 10, 11
REAPURB, REAPURBNDELAY, CLAIMINTERFACE, RELEASEINTERFACE = 12, 13, 15, 16
CONNECTINFO, IOCTL, RESET, CLEAR_HALT, GET_CAPABILITIES = 17, 18, 20, 21, 26
DISCONNECT_CLAIM, GET_SPEED = 27, 31
# struct usbdevfs_urb on 64-bit Linux: offsets of the fields used here.
URB_SIZE, URB_STATUS, URB_BUFFER, URB_ACTUAL = 56, 4, 16, 28
ENOENT, EAGAIN, ENODEV, EINVAL, ENOTTY, ENODATA = 2, 11, 19, 22, 25, 61
CAPS = 0x1 | 0x2 | 0x4 | 0x10  # zero packet, bulk continuation, no packet size limit, reap after disconnect

PAPER_END = os.environ.get('EMU_PAPER') == 'end'
UNPLUG_AFTER = int(os.environ.get('EMU_UNPLUG_AFTER', '0'))
# DLE EOT n answers: printer, offline cause, error cause, roll paper sensor.
STATUS = {1: 0x16, 2: 0x12, 3: 0x12, 4: 0x72 if PAPER_END else 0x12}


class Printer:
    def __init__(self):
        self.received = bytearray()
        self.answers = []    # bytes queued for bulk IN
        self.pending = []    # submitted IN URBs waiting for an answer
        self.reapable = []   # finished URBs for REAPURB
        self.unplugged = False

    def handle(self, handler, client):
        req = client.get_request()
        if (req >> 8) & 0xff != ord('U'):
            client.complete(-1, ENOTTY)
            return True
        nr, size = req & 0xff, (req >> 16) & 0x3fff
        arg = client.get_arg()
        data = arg.resolve(0, size) if size else None
        if self.unplugged and not (nr in (REAPURB, REAPURBNDELAY) and self.reapable):
            client.complete(-1, ENODEV)
            return True
        if nr == GET_CAPABILITIES:
            data.update(0, struct.pack('I', CAPS))
        elif nr == CONNECTINFO:
            data.update(0, struct.pack('IB3x', 2, 0))
        elif nr == GET_SPEED:
            client.complete(2, 0)  # USB_SPEED_FULL
            return True
        elif nr in (GETDRIVER, IOCTL):
            client.complete(-1, ENODATA)  # no kernel driver bound to detach
            return True
        elif nr == SUBMITURB:
            self.submit(data)
        elif nr == DISCARDURB:  # the argument is the URB's address itself
            addr = struct.unpack('Q', bytes(arg.retrieve())[:8])[0]
            urb = next((u for u in self.pending if u['data'].client_addr == addr), None)
            if urb is None:
                client.complete(-1, EINVAL)  # finished already
                return True
            self.pending.remove(urb)
            urb['data'].update(URB_STATUS, struct.pack('i', -ENOENT))
            self.reapable.append(urb)
        elif nr in (REAPURB, REAPURBNDELAY):
            if not self.reapable:
                client.complete(-1, EAGAIN)
                return True
            data.set_ptr(0, self.reapable.pop(0)['data'])
        elif nr not in (CLAIMINTERFACE, RELEASEINTERFACE, SETINTERFACE, SETCONFIGURATION,
                        RESET, CLEAR_HALT, DISCONNECT_CLAIM):
            print(f'tm-t88v.py: unexpected ioctl {req:#x}', file=sys.stderr)
            client.complete(-1, ENOTTY)
            return True
        client.complete(0, 0)
        return True

    def submit(self, data):
        _typ, ep = struct.unpack_from('BB', bytes(data.retrieve()))
        length = struct.unpack_from('i', bytes(data.retrieve()), URB_BUFFER + 8)[0]
        urb = {'data': data, 'buf': data.resolve(URB_BUFFER, length) if length else None, 'len': length}
        if ep & 0x80:
            self.pending.append(urb)
        else:
            out = bytes(urb['buf'].retrieve()) if urb['buf'] else b''
            self.received += out
            self.answer(out)
            self.finish(urb, b'', len(out))
            if UNPLUG_AFTER and len(self.received) >= UNPLUG_AFTER:
                self.unplugged = True
        while self.answers and self.pending:
            urb = self.pending.pop(0)
            b = self.answers.pop(0)
            self.finish(urb, b, len(b))

    def answer(self, out):
        # DLE EOT n anywhere in the stream (real-time: answered at once).
        for i in range(len(out) - 2):
            if out[i] == 0x10 and out[i + 1] == 0x04 and out[i + 2] in STATUS:
                self.answers.append(bytes([STATUS[out[i + 2]]]))

    def finish(self, urb, payload, actual):
        if payload:
            urb['buf'].update(0, payload)
        urb['data'].update(URB_STATUS, struct.pack('i', 0))
        urb['data'].update(URB_ACTUAL, struct.pack('i', actual))
        self.reapable.append(urb)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    tb = UMockdev.Testbed.new()
    tb.add_from_string(f"""P: /devices/pci0000:00/0000:00:14.0/usb1/1-1
N: bus/usb/001/002
E: DEVNAME=/dev/bus/usb/001/002
E: DEVTYPE=usb_device
E: SUBSYSTEM=usb
E: DRIVER=usb
E: BUSNUM=001
E: DEVNUM=002
E: PRODUCT=4b8/202/100
A: busnum=1\\n
A: devnum=2\\n
A: speed=12\\n
A: bConfigurationValue=1\\n
A: bNumConfigurations=1\\n
A: idVendor=04b8\\n
A: idProduct=0202\\n
H: descriptors={DESCRIPTORS.hex()}
""")
    printer = Printer()
    handler = UMockdev.IoctlBase()
    handler.connect('handle-ioctl', printer.handle)
    tb.attach_ioctl('/dev/bus/usb/001/002', handler)

    env = dict(os.environ, UMOCKDEV_DIR=tb.get_root_dir())
    env['LD_PRELOAD'] = ':'.join(p for p in ('libumockdev-preload.so.0', os.environ.get('LD_PRELOAD')) if p)
    loop = GLib.MainLoop()
    status = {}
    pid, _, _, _ = GLib.spawn_async(sys.argv[1:], envp=[f'{k}={v}' for k, v in env.items()],
                                    flags=GLib.SpawnFlags.DO_NOT_REAP_CHILD | GLib.SpawnFlags.SEARCH_PATH |
                                    GLib.SpawnFlags.CHILD_INHERITS_STDIN)

    def exited(_pid, st):
        status['st'] = st
        loop.quit()
    GLib.child_watch_add(GLib.PRIORITY_DEFAULT, pid, exited)
    loop.run()
    if os.environ.get('EMU_OUT'):
        with open(os.environ['EMU_OUT'], 'wb') as f:
            f.write(printer.received)
    sys.exit(os.waitstatus_to_exitcode(status['st']))


if __name__ == '__main__':
    main()
