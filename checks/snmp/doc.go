// Package snmp checks a device through its SNMP agent: it reads configured
// numeric OIDs (GET, or WALK for tables) over SNMPv2c or SNMPv3 and judges
// each value with rules (equals, not_equals, min/max ranges, bit flags of an
// OCTET STRING bitmap) that map to ok, degraded or fail with a reason a lobby
// manager understands. Built-in presets cover HOST-RESOURCES device and
// printer status, Printer-MIB alerts and the UPS-MIB, and every check notices
// a restart of the device through sysUpTime.
//
// The check only ever sends GET and GETBULK/GETNEXT requests: it never writes
// to a device.
package snmp
