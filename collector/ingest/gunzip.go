package ingest

import (
	"bytes"
	stdgzip "compress/gzip"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// Bodies are expanded with klauspost/compress's gzip reader: it takes
// about three quarters of the standard library's time on a wave batch and
// allocates four times per body, not ten (the standard inflater makes its
// Huffman link tables anew for every block). The two accept and refuse
// the same bodies (FuzzGunzipAgrees), but word some refusals differently
// ("EOF" where the standard library says "unexpected EOF"), so a refused
// body is expanded again by the standard library, whose words agents have
// always been told (gzipError).

// A gzip reader holds a 32 KiB window and its Huffman tables, about 40 KB
// allocated anew for every request before they were pooled: a quarter of
// the bytes the handler allocated per batch in a wave.
var gzipReaders sync.Pool

// gunzipper returns a pooled gzip reader reset onto r.
func gunzipper(r io.Reader) (*gzip.Reader, error) {
	if zr, ok := gzipReaders.Get().(*gzip.Reader); ok {
		if err := zr.Reset(r); err != nil {
			gzipReaders.Put(zr)
			return nil, err
		}
		return zr, nil
	}
	return gzip.NewReader(r)
}

// gzipError returns the error the standard library's reader meets in the
// gzip body raw, reading at most limit bytes of what it expands to, and
// fast (what the faster reader met) if it meets none: only refused bodies
// pay for it, and it holds no more than the reader's window meanwhile.
func gzipError(raw []byte, limit int64, fast error) error {
	zr, err := stdgzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, io.LimitReader(zr, limit)); err != nil {
		return err
	}
	return fast
}
