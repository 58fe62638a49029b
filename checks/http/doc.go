// Package http checks a web service the way a customer uses it: a request, or
// a scripted transaction of several steps such as the online-banking login.
// Each step asserts the status, the redirect target and the page; values
// taken from one page (a CSRF token) feed later steps as ${name}; a cookie
// jar carries the session across steps. Redirects are asserted, never
// followed unless a step asks. The TLS certificate's remaining life turns
// the verdict degraded or failed before it expires. Credentials are secrets
// resolved at run time and never appear in a reason.
package http
