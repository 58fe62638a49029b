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

// fieldLen is the length appendField adds to a form that has a field.
func fieldLen[S string | []byte](key string, val S) int {
	return 1 + queryEscapedLen(key) + 1 + queryEscapedLen(val)
}

// appendQueryEscape appends s escaped for a query component: letters,
// digits and -_.~ stay, a space becomes '+', every other byte %XX. Each
// byte is looked up and appended alone: the blocks' JSON has a byte to
// escape every few, and copying the runs between them cost more. send
// sizes the form first (fieldLen), so the appends do not grow it.
func appendQueryEscape[S string | []byte](dst []byte, s S) []byte {
	for i := 0; i < len(s); i++ {
		if e := &escapes[s[i]]; e[0] == 1 {
			dst = append(dst, e[1])
		} else {
			dst = append(dst, e[1], e[2], e[3])
		}
	}
	return dst
}

// queryEscapedLen is the length of s escaped by appendQueryEscape.
func queryEscapedLen[S string | []byte](s S) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n += int(escapes[s[i]][0])
	}
	return n
}

// escapes holds each byte as a query component carries it: its length (1
// or 3), then the bytes.
var escapes = func() (t [256][4]byte) {
	const hex = "0123456789ABCDEF"
	for c := range 256 {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			t[c] = [4]byte{1, byte(c)}
		case c == ' ':
			t[c] = [4]byte{1, '+'}
		default:
			t[c] = [4]byte{3, '%', hex[c>>4], hex[c&0xF]}
		}
	}
	return t
}()
