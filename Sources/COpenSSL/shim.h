// The system's OpenSSL (Debian libssl-dev), for TLS to PostgreSQL. Several of the calls the client needs are
// macros, which Swift cannot call: each has an inline function here.
#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

static inline int copenssl_set_min_tls12(SSL_CTX *context) {
    return (int)SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
}

// The name sent in the ClientHello (SNI): some managed services route on it.
static inline int copenssl_set_server_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

#endif
