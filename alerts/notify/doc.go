// Package notify is the contract between the incident engine and the
// notifiers: the engine renders a Message, a notifier delivers it and returns
// a Receipt saying where the incident's message now lives. Notifiers never
// import the engine, and the engine never imports a notifier.
package notify
