// Package zone loads IANA time zones once per name.
//
// time.LoadLocation reads and parses the zone file on every call (only Local
// and UTC are kept by the time package). A board of 20,000 branches formats
// three or four times per row in the branch's zone, so loading per call
// spent more CPU than everything else on the page. A Cache keeps each
// *time.Location it has loaded; a *time.Location is immutable and safe to
// share between goroutines.
package zone
