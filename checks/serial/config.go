package serial

import "time"

// Config is the serial kind's options.
type Config struct {
	Port      string `yaml:"port" doc:"Serial port: /dev/ttyUSB0, /dev/ttyS0, COM3. Set port or usb_id."`
	USBID     string `yaml:"usb_id" doc:"USB vendor:product id (e.g. 0403:6001) of the device or its USB-serial adapter; the port is looked up on every run."`
	USBSerial string `yaml:"usb_serial" doc:"USB serial number, to pick one of several devices with the same usb_id."`

	BaudRate int    `yaml:"baud_rate" doc:"Line speed in bits per second; default 9600."`
	DataBits int    `yaml:"data_bits" doc:"Data bits, 5 to 8; default 8."`
	Parity   string `yaml:"parity" doc:"none (default), odd, even, mark or space."`
	StopBits string `yaml:"stop_bits" doc:"1 (default), 1.5 or 2."`

	Preset     string `yaml:"preset" doc:"Built-in read-only poll: cctalk, id003 or ccnet. It fills request, checksum, echo, framing and statuses; options set here override it."`
	Address    int    `yaml:"address" doc:"Device address: ccTalk (cctalk preset, default 2; bill validators are usually 40) or CCNET (ccnet preset, default 3)."`
	DeviceName string `yaml:"device_name" doc:"What the device is called in reasons; default from the preset, else \"serial device\"."`

	Request     string `yaml:"request" doc:"Request frame in hex, checksum excluded, e.g. \"02 00 01 fe\". Must be a status request."`
	RequestText string `yaml:"request_text" doc:"Request as text for text devices, e.g. \"STATUS\\r\\n\" (YAML double quotes); instead of request."`
	Checksum    string `yaml:"checksum" doc:"Appended to the request and verified on a framed reply: none (default), sum8 (ccTalk: all bytes sum to 0 mod 256), add8 (sum mod 256), xor, crc16-kermit (CRC-16/KERMIT, low byte first: ID-003, CCNET)."`
	Echo        string `yaml:"echo" doc:"skip: the line echoes the request (single-wire ccTalk) and the echo is skipped when present; none: no echo. Default from the preset, else none."`

	ReplySync    string        `yaml:"reply_sync" doc:"Hex bytes every reply frame starts with; bytes before them are noise and are dropped."`
	ReplyLength  int           `yaml:"reply_length" doc:"Fixed length of the reply frame in bytes, checksum included."`
	LengthByte   *LengthByte   `yaml:"length_byte" doc:"Where a variable-length reply frame carries its length."`
	ReplyRegex   string        `yaml:"reply_regex" doc:"Text devices: read until the reply matches this regular expression; its first group, if any, is the status looked up in statuses."`
	ReplyTimeout time.Duration `yaml:"reply_timeout" doc:"How long to wait for the reply after sending; default: until the check's timeout."`

	StatusByte  int                `yaml:"status_byte" doc:"Offset in the reply frame (0 = its first byte) of the status byte looked up in statuses."`
	Statuses    map[string]Verdict `yaml:"statuses" doc:"Status table: status byte (\"0x11\" or decimal) or the text reply_regex captured -> verdict. Merged over the preset's table."`
	OtherStatus *Verdict           `yaml:"other_status" doc:"Verdict for a status missing from statuses; default degraded \"unexpected status {status}\"."`
}

// LengthByte locates the length of a variable-length reply frame.
type LengthByte struct {
	Offset int `yaml:"offset" doc:"Offset of the length byte in the reply frame."`
	Add    int `yaml:"add" doc:"Added to the length byte's value to give the whole frame's length, checksum included (ccTalk: 5; ID-003 and CCNET: 0)."`
}

// Verdict is what one status means.
type Verdict struct {
	Status string `yaml:"status" doc:"ok, degraded, fail or unknown."`
	Reason string `yaml:"reason" doc:"Reason text; {status} is the status value, {data} the reply's bytes between the status byte and the checksum, in hex."`
}
