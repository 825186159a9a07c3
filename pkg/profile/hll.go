package profile

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// hllPrecision p gives m = 2^p registers and a standard error of about
// 1.04/sqrt(m) = 1.6% once the sketch is dense.
const hllPrecision = 12

// sparseLimit is how many distinct hashes the sketch keeps exactly before it
// switches to registers; below it the count is exact (up to 64-bit hash
// collisions, negligible).
const sparseLimit = 512

// Distinct is a HyperLogLog++ distinct-count sketch over 64-bit hashes: a
// sparse exact set of hashes for small cardinalities, then 2^12 registers
// read with Ertl's improved estimator (2017), which needs no empirical bias
// tables. Merging is exact: union of hashes, or register-wise maximum.
type Distinct struct {
	sparse    []uint64 // sorted distinct hashes while dense is nil
	pending   []uint64 // unsorted recent hashes, folded into sparse in batches
	registers []uint8  // 2^p registers once dense
	// recent remembers the last hash seen in each of 256 slots, so that the
	// repeats of a low-cardinality column skip the pending list.
	recent [256]uint64
}

// AddHash counts one hashed value.
func (d *Distinct) AddHash(h uint64) {
	if d.registers != nil {
		d.addDense(h)
		return
	}
	slot := &d.recent[h&255]
	if *slot == h && h != 0 {
		return
	}
	*slot = h
	d.pending = append(d.pending, h)
	if len(d.pending) >= sparseLimit {
		d.flush()
	}
}

func (d *Distinct) addDense(h uint64) {
	idx := h >> (64 - hllPrecision)
	rho := uint8(bits.LeadingZeros64(h<<hllPrecision|1<<(hllPrecision-1)) + 1)
	if rho > d.registers[idx] {
		d.registers[idx] = rho
	}
}

// flush folds pending hashes into the sparse set, going dense past sparseLimit.
func (d *Distinct) flush() {
	if len(d.pending) == 0 {
		return
	}
	d.sparse = append(d.sparse, d.pending...)
	d.pending = d.pending[:0]
	slices.Sort(d.sparse)
	d.sparse = slices.Compact(d.sparse)
	if len(d.sparse) > sparseLimit {
		d.registers = make([]uint8, 1<<hllPrecision)
		for _, h := range d.sparse {
			d.addDense(h)
		}
		d.sparse, d.pending = nil, nil
	}
}

// Merge folds o in.
func (d *Distinct) Merge(o *Distinct) {
	o.flush()
	if o.registers != nil {
		d.flush()
		if d.registers == nil {
			d.registers = make([]uint8, 1<<hllPrecision)
			for _, h := range d.sparse {
				d.addDense(h)
			}
			d.sparse = nil
		}
		for i, r := range o.registers {
			d.registers[i] = max(d.registers[i], r)
		}
		return
	}
	for _, h := range o.sparse {
		d.AddHash(h)
	}
	d.flush()
}

// Exact reports whether Estimate is an exact count (the sketch is sparse).
func (d *Distinct) Exact() bool {
	d.flush()
	return d.registers == nil
}

// Estimate is the number of distinct values.
func (d *Distinct) Estimate() int64 {
	d.flush()
	if d.registers == nil {
		return int64(len(d.sparse))
	}
	const q = 64 - hllPrecision
	m := float64(len(d.registers))
	var c [q + 2]float64
	for _, r := range d.registers {
		c[r]++
	}
	z := m * hllTau(1-c[q+1]/m)
	for k := q; k >= 1; k-- {
		z = 0.5 * (z + c[k])
	}
	z += m * hllSigma(c[0]/m)
	return int64(math.Round(m * m / (2 * math.Ln2) / z))
}

func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		prev := z
		z += x * y
		y += y
		if z == prev {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		z -= (1 - x) * (1 - x) * y
		if z == prev {
			return z / 3
		}
	}
}

// distinctJSON is the encoded form: the sorted hashes (hex-free, as numbers
// would lose precision in JSON, so base64 of big-endian bytes) or the registers.
type distinctJSON struct {
	Precision int    `json:"precision"`
	Estimate  int64  `json:"estimate"`
	Sparse    string `json:"sparse,omitempty"`
	Registers string `json:"registers,omitempty"`
}

// MarshalJSON encodes the sketch deterministically.
func (d *Distinct) MarshalJSON() ([]byte, error) {
	out := distinctJSON{Precision: hllPrecision, Estimate: d.Estimate()}
	if d.registers != nil {
		out.Registers = base64.StdEncoding.EncodeToString(d.registers)
	} else {
		buf := make([]byte, 0, 8*len(d.sparse))
		for _, h := range d.sparse {
			buf = append(buf, byte(h>>56), byte(h>>48), byte(h>>40), byte(h>>32), byte(h>>24), byte(h>>16), byte(h>>8), byte(h))
		}
		out.Sparse = base64.StdEncoding.EncodeToString(buf)
	}
	return json.Marshal(out)
}

// UnmarshalJSON decodes and checks a sketch.
func (d *Distinct) UnmarshalJSON(b []byte) error {
	var in distinctJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	if in.Precision != hllPrecision {
		return fmt.Errorf("distinct sketch precision %d, want %d", in.Precision, hllPrecision)
	}
	*d = Distinct{}
	if in.Registers != "" {
		regs, err := base64.StdEncoding.DecodeString(in.Registers)
		if err != nil || len(regs) != 1<<hllPrecision {
			return fmt.Errorf("distinct sketch registers are malformed")
		}
		for _, r := range regs {
			if r > 64-hllPrecision+1 {
				return fmt.Errorf("distinct sketch register %d out of range", r)
			}
		}
		d.registers = regs
		return nil
	}
	raw, err := base64.StdEncoding.DecodeString(in.Sparse)
	if err != nil || len(raw)%8 != 0 || len(raw)/8 > sparseLimit {
		return fmt.Errorf("distinct sketch hashes are malformed")
	}
	for i := 0; i < len(raw); i += 8 {
		var h uint64
		for _, c := range raw[i : i+8] {
			h = h<<8 | uint64(c)
		}
		d.sparse = append(d.sparse, h)
	}
	if !slices.IsSorted(d.sparse) || len(slices.Compact(slices.Clone(d.sparse))) != len(d.sparse) {
		return fmt.Errorf("distinct sketch hashes are not sorted and distinct")
	}
	return nil
}
