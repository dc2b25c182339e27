// Package storetest is the conformance suite every store.Store backend must
// pass: call Run from the backend's tests with a function that opens a new,
// empty environment named "test".
package storetest
