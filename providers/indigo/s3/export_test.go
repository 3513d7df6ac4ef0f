package s3

import "net/http"

// WrapTransport makes endpoints configured from now on send their requests
// through wrap(transport): tests count the round trips of a Read with it.
// Call it before configuring a provider; nil stops wrapping.
func WrapTransport(wrap func(http.RoundTripper) http.RoundTripper) { wrapTransport = wrap }
