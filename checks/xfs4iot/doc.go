// Package xfs4iot checks an ATM or kiosk that speaks XFS4IoT, the CEN
// successor of XFS: JSON messages over WebSocket. It finds the device's
// services through the service publisher (ServicePublisher.GetServices at
// ws(s)://host:port/xfs4iot/v1.0), then asks each service for Common.Status
// and, for cash devices, Storage.GetStorage. Only these read-only status
// commands are ever sent. The device states, the device-specific status
// (cash dispenser, card reader, printer paper, cash units) and the
// anti-fraud module are turned into one verdict and a reason a lobby
// manager understands: "ATM 2: cash dispenser online, cassette 3 (EUR 20) low".
package xfs4iot
