package http

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
)

// pageText returns what a person would read on the page, whitespace
// collapsed, for quoting in a reason. A body that is not HTML is used as is.
func pageText(body []byte, contentType string) string {
	if !strings.Contains(contentType, "html") && !bytes.Contains(body, []byte("<")) {
		return strings.Join(strings.Fields(string(body)), " ")
	}
	z := html.NewTokenizer(bytes.NewReader(body))
	var words []string
	skip := 0 // inside <script>, <style> or <head>
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(words, " ")
		case html.StartTagToken:
			if hidden(z) {
				skip++
			}
		case html.EndTagToken:
			if hidden(z) && skip > 0 {
				skip--
			}
		case html.TextToken:
			if skip == 0 {
				words = append(words, strings.Fields(string(z.Text()))...)
			}
		}
	}
}

func hidden(z *html.Tokenizer) bool {
	name, _ := z.TagName()
	switch string(name) {
	case "script", "style", "head", "noscript", "template":
		return true
	}
	return false
}

// inputValue returns the value attribute of the first <input name=name>.
func inputValue(body []byte, name string) (string, bool) {
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		switch {
		case tt == html.ErrorToken:
			return "", false
		case tt != html.StartTagToken && tt != html.SelfClosingTagToken:
			continue
		}
		tag, hasAttr := z.TagName()
		if string(tag) != "input" || !hasAttr {
			continue
		}
		if v, ok := inputAttrs(z, name); ok {
			return v, true
		}
	}
}

func inputAttrs(z *html.Tokenizer, name string) (string, bool) {
	var gotName bool
	var value string
	for {
		k, v, more := z.TagAttr()
		switch string(k) {
		case "name":
			gotName = string(v) == name
		case "value":
			value = string(v)
		}
		if !more {
			return value, gotName
		}
	}
}
