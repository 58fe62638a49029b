// Package serial checks a device on a serial port (RS-232, RS-485 or a
// USB-serial adapter): it opens the port by name or finds it by USB id,
// sends one status request, reads the reply and judges it.
//
// A request is a hex frame with a checksum appended; the reply is framed by
// a fixed length, a length byte or, for text devices, a regular expression.
// A status byte (or the regular expression's group) is looked up in a table
// of verdicts. Presets fill all of this in for the read-only polls of
// ccTalk coin and bill acceptors, JCM ID-003 and CashCode CCNET bill
// validators. Only status requests may be sent: a check must never change
// what a cash machine does.
//
// The port sits behind Opener and Port, and the USB lookup behind
// usb.Enumerator, so that tests can use fakes and pseudo-terminals (the
// enumerator only lists real ttys). Modem-status lines are never read:
// their ioctls fail on ptys and on many adapters.
package serial
