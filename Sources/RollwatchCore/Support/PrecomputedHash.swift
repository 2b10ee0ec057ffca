/// The bucket hash of a key whose hash was worked out once, when the key was made (instance ids, path ids):
/// the stored hash, already scrambled by SipHash, mixed with the table's seed by a multiply and an xorshift.
/// Dictionary and Set call `_rawHashValue(seed:)` on every lookup; the default runs a whole SipHash round there,
/// which was a tenth of the engine's time at 100,000 instances. The seed still varies bucket order per table.
@inline(__always)
func bucketHash(_ precomputed: Int, seed: Int) -> Int {
    var mixed = UInt64(bitPattern: Int64(precomputed ^ seed)) &* 0x9E37_79B9_7F4A_7C15
    mixed ^= mixed >> 32
    return Int(truncatingIfNeeded: mixed)
}
