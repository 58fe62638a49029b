// Package usb checks that a USB device is plugged in: the device with a
// given vendor:product id (and, optionally, serial number) must be
// enumerated. Banknote counters, bill validators and receipt printers often
// hang off a USB-serial adapter; an unplugged cable is the most common cause
// of "the machine does not work" at opening time.
//
// Version 1 enumerates through go.bug.st/serial/enumerator and therefore sees
// only USB devices that present a serial port (FTDI, Prolific, CH340, CDC-ACM
// and the like). The enumerator sits behind the Enumerator interface so that
// tests, and the serial kind's lookup by USB id, can share it.
package usb
