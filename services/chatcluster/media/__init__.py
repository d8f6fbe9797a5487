"""Pictures, files and link previews: content-addressed blobs, type sniffing, thumbnails, the SSRF-safe fetcher."""
