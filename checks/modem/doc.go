// Package modem checks an analog phone line through a Hayes-compatible
// modem on a serial port. It holds a short AT dialogue: a handshake (ATZ or
// AT) that must answer OK, an identify command whose answer names the modem
// in reasons, optional line-voltage or line-in-use queries, and a dial-tone
// test (ATX4 then ATDT; — the modem goes off-hook, waits for dial tone and
// returns to command mode without dialling a digit). Whatever happens, even
// when the check is cancelled, it ends with ATH0 so that the branch's phone
// line is never left off-hook.
//
// The serial port sits behind the Port interface so that tests can drive the
// check over a pipe or a pseudo-terminal.
package modem
