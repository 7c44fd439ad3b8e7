package diskdb

// PFAdd adds elements to the HyperLogLog at key, creating it (empty, with no
// elements) if missing, and returns 1 if the key was created or one of its
// registers changed, else 0 (every element was already counted, or may have
// been). A key holding another string is an *Error matching ErrWrongType:
// "WRONGTYPE Key is not a valid HyperLogLog string value.".
func (c cmdable) PFAdd(key string, elements ...interface{}) (int64, error) {
	return c.doInt(valuesArgs(elements, "PFADD", key)...)
}

// PFCount returns the estimated number of distinct elements added to the
// HyperLogLogs at keys, taken together (their union, which is not stored). A
// missing key counts as empty; the standard error is 0.81%.
func (c cmdable) PFCount(keys ...string) (int64, error) {
	return c.doInt(keysArgs(keys, "PFCOUNT")...)
}

// PFMerge stores at dest the union of the HyperLogLogs at sources and at dest
// itself, if it exists; with no sources it creates an empty one at dest.
func (c cmdable) PFMerge(dest string, sources ...string) error {
	return c.doOK(keysArgs(sources, "PFMERGE", dest)...)
}
