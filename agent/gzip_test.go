package agent_test

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
)

func decodeGzip(r *http.Request, v any) error {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return err
		}
		body = zr
	}
	return json.NewDecoder(body).Decode(v)
}
