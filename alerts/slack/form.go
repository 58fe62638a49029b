package slack

// appendField appends one field of a form as url.Values.Encode writes
// it: "&" before every field but the first, key and value escaped as
// url.QueryEscape escapes them. send writes the fields in Encode's (sorted)
// order. Encode copies each value into a string and escapes it in a second
// pass: the blocks' JSON is most of a message, and those copies were a
// fifth of send's work.
func appendField[S string | []byte](dst []byte, key string, val S) []byte {
	if len(dst) > 0 {
		dst = append(dst, '&')
	}
	dst = appendQueryEscape(dst, key)
	dst = append(dst, '=')
	return appendQueryEscape(dst, val)
}

// appendQueryEscape appends s escaped for a query component: letters,
// digits and -_.~ stay, a space becomes '+', every other byte %XX.
func appendQueryEscape[S string | []byte](dst []byte, s S) []byte {
	const hex = "0123456789ABCDEF"
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved[c] {
			continue
		}
		dst = append(dst, s[start:i]...)
		if c == ' ' {
			dst = append(dst, '+')
		} else {
			dst = append(dst, '%', hex[c>>4], hex[c&0xF])
		}
		start = i + 1
	}
	return append(dst, s[start:]...)
}

// unreserved marks the bytes a query component carries as they are.
var unreserved = func() (t [256]bool) {
	for c := range 256 {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			t[c] = true
		}
	}
	return t
}()
