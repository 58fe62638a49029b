// Package http checks a web service: the status of a request, a regular
// expression over the body, and how long its TLS certificate has left.
package http
