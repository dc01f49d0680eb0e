#ifndef PARLEY_CCURL_SHIM_H
#define PARLEY_CCURL_SHIM_H

#include <curl/curl.h>
#include <sys/socket.h>

/*
 * curl_easy_setopt and curl_easy_getinfo are C variadic functions, which Swift
 * cannot call. Each wrapper below fixes the type of the third argument, so the
 * Swift side picks the one that matches the option's documented type
 * (CURLOPTTYPE_LONG, _OBJECTPOINT/_STRINGPOINT, _OFF_T, _SLISTPOINT,
 * _FUNCTIONPOINT). Passing an int where libcurl reads a long, or a Swift
 * closure context where it reads a function pointer, would be undefined
 * behaviour; a typed wrapper makes that a compile error instead.
 */

static inline CURLcode parley_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

/* libcurl copies string options (since 7.17.0), so the Swift string may go away afterwards. */
static inline CURLcode parley_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

/* Callback context pointers (CURLOPT_WRITEDATA, _READDATA, ...): not copied, must outlive the transfer. */
static inline CURLcode parley_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode parley_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/* Header lists are not copied: the list must outlive the transfer. */
static inline CURLcode parley_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode parley_curl_setopt_curlu(CURL *handle, CURLU *url) {
    return curl_easy_setopt(handle, CURLOPT_CURLU, url);
}

/* CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION share this prototype. */
static inline CURLcode parley_curl_setopt_write_function(CURL *handle, CURLoption option, curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode parley_curl_setopt_read_function(CURL *handle, curl_read_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}

static inline CURLcode parley_curl_setopt_seek_function(CURL *handle, curl_seek_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, callback);
}

static inline CURLcode parley_curl_setopt_xferinfo_function(CURL *handle, curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

static inline CURLcode parley_curl_setopt_opensocket_function(CURL *handle, curl_opensocket_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, callback);
}

static inline CURLcode parley_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

/* The string belongs to the handle: copy it before the next transfer or cleanup. */
static inline CURLcode parley_curl_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode parley_curl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

/*
 * struct curl_sockaddr ends in a `struct sockaddr` of 16 bytes, but libcurl
 * allocates room for the whole address (an IPv6 sockaddr_in6 is 28 bytes).
 * Swift would copy only the declared 16 bytes when reading the field, so the
 * address is handed over as a pointer into libcurl's own storage.
 */
static inline const struct sockaddr *parley_curl_sockaddr_address(const struct curl_sockaddr *address) {
    return &address->addr;
}

#endif
