package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mlgate/mlgate/internal/tabletest"
	"github.com/mlgate/mlgate/internal/testenv"
	"github.com/mlgate/mlgate/pkg/evidence"
)

// Red-team tests of the gate's binding of data evidence: each replays
// genuine evidence of other data (a pull request's author may hand in an
// old run's) and expects the gate to refuse it, naming the file and why.

// rtContract writes a contract whose whole-table rule (a unique id) and
// row rule (id at least 1) a hostile dataset can break.
func rtContract(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: id\n    min: 1\n    unique: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// rtGate runs the gate on the evidence and the dataset and returns the
// evidence.subject checks.
func rtGate(t *testing.T, ev, data []string) (cliResult, []evidence.Check) {
	t.Helper()
	var args []string
	for _, e := range ev {
		args = append(args, "--evidence", e)
	}
	for _, d := range data {
		args = append(args, "--dataset", d)
	}
	r, out := gateModel(t, writeModel(t), args...)
	var subject []evidence.Check
	if _, err := os.Stat(out); err == nil {
		for _, c := range readEvidence(t, out).Checks {
			if c.ID == "evidence.subject" {
				subject = append(subject, c)
			}
		}
	}
	return r, subject
}

// rtWantRefused fails unless the gate said "do not promote" with an
// evidence.subject check failing at the file with a message holding want.
func rtWantRefused(t *testing.T, r cliResult, subject []evidence.Check, file, want string) {
	t.Helper()
	r.wantCode(t, 1)
	for _, c := range subject {
		if c.Status == evidence.StatusFail && c.Location != nil && c.Location.File == file && strings.Contains(c.Message, want) {
			return
		}
	}
	t.Fatalf("no failed subject check at %s saying %q: %+v", file, want, subject)
}

// TestRedteamDuplicateFileBindsOnce: a dataset holding two files of the
// same bytes has every id twice; the validation of one of them (unique
// ids) is not about it. Binding by the set of digests took it.
func TestRedteamDuplicateFileBindsOnce(t *testing.T) {
	dir := t.TempDir()
	d := tabletest.NewDelta(t, t.TempDir())
	_, files := d.Commit(t, []int64{1, 2, 3})
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "a.parquet"), filepath.Join(dir, "b.parquet")
	os.WriteFile(a, data, 0o644)
	os.WriteFile(b, data, 0o644)
	ev := filepath.Join(t.TempDir(), "v.json")
	runCLI(t, nil, "validate", "--digest", "--contract", rtContract(t), "--out", ev, a).wantCode(t, 0)
	// The whole dataset fails the contract: the gate must not promote it
	// on the evidence of half of it.
	runCLI(t, nil, "validate", "--contract", rtContract(t), a, b).wantCode(t, 1)
	r, subject := rtGate(t, []string{ev}, []string{dir})
	rtWantRefused(t, r, subject, ev, "does not cover the dataset's "+b)
}

// TestRedteamDisjointValidationsDoNotCombine: two validations of halves of
// the dataset each ran the whole-table rules (unique ids) on their half
// only; together they are no validation of the whole (ids repeat across
// the halves). Only an incremental check, which ran those rules on the
// files live before it too, binds together with others.
func TestRedteamDisjointValidationsDoNotCombine(t *testing.T) {
	dir := t.TempDir()
	d := tabletest.NewDelta(t, t.TempDir())
	_, files := d.Commit(t, []int64{1, 2, 3}, []int64{3, 4, 5})
	var local []string
	for i, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, []string{"a.parquet", "b.parquet"}[i])
		os.WriteFile(p, data, 0o644)
		local = append(local, p)
	}
	contract := rtContract(t)
	runCLI(t, nil, "validate", "--contract", contract, dir).wantCode(t, 1)
	var ev []string
	for _, p := range local {
		out := filepath.Join(t.TempDir(), "v.json")
		runCLI(t, nil, "validate", "--digest", "--contract", contract, "--out", out, p).wantCode(t, 0)
		ev = append(ev, out)
	}
	r, subject := rtGate(t, ev, []string{dir})
	rtWantRefused(t, r, subject, ev[0], "does not cover the dataset's "+local[1])
	rtWantRefused(t, r, subject, ev[1], "does not cover the dataset's "+local[0])
}

// TestRedteamTableStatisticsDoNotBindTheFiles: a Delta log whose
// statistics say the smallest id is 1, over a file holding -2. With
// --digest the evidence names the file's bytes, so validate decides from
// them (and fails); evidence that decided checks from the table's
// metadata does not bind to the files at the gate.
func TestRedteamTableStatisticsDoNotBindTheFiles(t *testing.T) {
	d := tabletest.NewDelta(t, t.TempDir())
	_, files := d.Commit(t, []int64{1, -2, 3})
	log := filepath.Join(d.Dir, "_delta_log", "00000000000000000001.json")
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	lie := strings.Replace(string(data), `\"minValues\":{\"id\":-2}`, `\"minValues\":{\"id\":1}`, 1)
	if lie == string(data) {
		t.Fatalf("no minimum to lie about in %s", data)
	}
	os.WriteFile(log, []byte(lie), 0o644)
	contract := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(contract, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: id\n    min: 1\n"), 0o644)

	r := runCLI(t, nil, "validate", "--digest", "--contract", contract, d.Dir)
	r.wantCode(t, 1)
	if !strings.Contains(r.stdout, "the smallest -2") {
		t.Fatalf("validate --digest of a table whose log lies:\n%s", r.stdout)
	}
	// Evidence of a run without --digest decided from the log; given
	// the digests it lacks (as an older mlgate's run did), the gate
	// refuses it.
	ev := filepath.Join(t.TempDir(), "v.json")
	runCLI(t, nil, "validate", "--contract", contract, "--out", ev, d.Dir).wantCode(t, 0)
	doc := readEvidence(t, ev)
	for i := range doc.Subject.Files {
		doc.Subject.Files[i].Digest = map[string]string{"sha256": sha256File(t, files[0])}
	}
	if err := evidence.Write(ev, doc); err != nil {
		t.Fatal(err)
	}
	g, subject := rtGate(t, []string{ev}, files)
	rtWantRefused(t, g, subject, ev, "decided 2 checks from the table's metadata, which the files' sha256 do not cover")
}

// TestRedteamVerifyAllTestsValuesNotStatistics: a file whose footer and
// page statistics say the smallest id is 1 while a page holds -2 passed
// validate --verify-all, which decoded every page but still decided the
// bound from the statistics. Verifying decides from the values.
func TestRedteamVerifyAllTestsValuesNotStatistics(t *testing.T) {
	d := tabletest.NewDelta(t, t.TempDir())
	_, files := d.Commit(t, []int64{1, -2, 3})
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	le := func(v int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(v)) }
	values := slices.Concat(le(1), le(-2), le(3))
	at := bytes.Index(data, values)
	if at < 0 {
		t.Fatal("the page does not hold the ids PLAIN")
	}
	lied := 0
	for i := 0; i+8 <= len(data); i++ {
		if (i < at || i >= at+len(values)) && bytes.Equal(data[i:i+8], le(-2)) {
			copy(data[i:], le(1))
			lied++
		}
	}
	if lied == 0 {
		t.Fatal("no statistic to lie in")
	}
	p := filepath.Join(t.TempDir(), "lying.parquet")
	os.WriteFile(p, data, 0o644)
	contract := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(contract, []byte("apiVersion: mlgate.dev/v1\nkind: DataContract\ncolumns:\n  - name: id\n    min: 1\n"), 0o644)
	// Without --verify-all the statistics decide, as documented.
	runCLI(t, nil, "validate", "--contract", contract, p).wantCode(t, 0)
	r := runCLI(t, nil, "validate", "--verify-all", "--contract", contract, p)
	r.wantCode(t, 1)
	if !strings.Contains(r.stdout, "the smallest -2") {
		t.Fatalf("stdout:\n%s", r.stdout)
	}
}

// TestRedteamDeletedRowsDoNotBindTheWholeFile: a validation of an Iceberg
// table read a data file without the rows its delete file removes (a
// negative id); the file itself, given as the dataset, holds them. The
// digest of the file's bytes is not the digest of what was checked.
func TestRedteamDeletedRowsDoNotBindTheWholeFile(t *testing.T) {
	for _, v := range []int{2, 3} {
		ic := tabletest.NewIceberg(t, t.TempDir(), v)
		files := ic.Append(t, []int64{1, -2, 3})
		if v == 2 {
			ic.DeletePositions(t, map[string][]int64{files[0]: {1}})
		} else {
			ic.DeletionVectors(t, map[string][]uint64{files[0]: {1}})
		}
		contract := rtContract(t)
		ev := filepath.Join(t.TempDir(), "v.json")
		runCLI(t, nil, "validate", "--digest", "--contract", contract, "--out", ev, ic.Dir).wantCode(t, 0)
		runCLI(t, nil, "validate", "--contract", contract, files[0]).wantCode(t, 1)
		r, subject := rtGate(t, []string{ev}, files)
		rtWantRefused(t, r, subject, ev, "read "+files[0]+" as its table presents it")
	}
}

// TestRedteamContractObjectIsBound: the sha256 of an ODCS file names all
// its schema objects; a validation against its loose object is no
// validation against its strict one, which the gate asked for.
func TestRedteamContractObjectIsBound(t *testing.T) {
	d := tabletest.NewDelta(t, t.TempDir())
	_, files := d.Commit(t, []int64{1, -2, 3})
	odcs := filepath.Join(t.TempDir(), "odcs.yaml")
	os.WriteFile(odcs, []byte(`apiVersion: v3.0.2
kind: DataContract
id: shop
version: 1.0.0
status: active
schema:
  - name: strict
    properties:
      - name: id
        logicalType: integer
        logicalTypeOptions:
          minimum: 1
  - name: loose
    properties:
      - name: id
        logicalType: integer
`), 0o644)
	runCLI(t, nil, "validate", "--contract", odcs+"#strict", files[0]).wantCode(t, 1)
	ev := filepath.Join(t.TempDir(), "v.json")
	runCLI(t, nil, "validate", "--digest", "--contract", odcs+"#loose", "--out", ev, files[0]).wantCode(t, 0)
	r, out := gateModel(t, writeModel(t), "--evidence", ev, "--dataset", files[0], "--contract", odcs+"#strict")
	r.wantCode(t, 1)
	c := check(t, readEvidence(t, out), "evidence.contract")
	if c.Status != evidence.StatusFail || c.Location.File != ev || !strings.Contains(c.Message, "object loose") {
		t.Fatalf("contract check %+v", c)
	}
}

// TestRedteamShardsMergeUnderTheirOwnObject: the shards of a validation
// against an ODCS file's loose object do not merge into a validation
// against its strict one, though their checks line up (the merge said
// strict passed).
func TestRedteamShardsMergeUnderTheirOwnObject(t *testing.T) {
	d := tabletest.NewDelta(t, t.TempDir())
	_, files := d.Commit(t, []int64{1, -2, 3})
	odcs := filepath.Join(t.TempDir(), "odcs.yaml")
	os.WriteFile(odcs, []byte("apiVersion: v3.0.2\nkind: DataContract\nid: shop\nversion: 1.0.0\nstatus: active\nschema:\n"+
		"  - name: strict\n    properties:\n      - name: id\n        logicalType: integer\n        logicalTypeOptions:\n          minimum: 1\n"+
		"  - name: loose\n    properties:\n      - name: id\n        logicalType: integer\n        logicalTypeOptions:\n          minimum: -10\n"), 0o644)
	shard := filepath.Join(t.TempDir(), "shard.json")
	runCLI(t, nil, "validate", "--shard", "0/1", "--contract", odcs+"#loose", "--out", shard, files[0]).wantCode(t, 0)
	r := runCLI(t, nil, "validate", "merge", "--contract", odcs+"#strict", "--out", filepath.Join(t.TempDir(), "v.json"), shard)
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, shard) || !strings.Contains(r.stderr, `schema object "loose"`) {
		t.Fatalf("stderr %q", r.stderr)
	}
}

// TestRedteamFailedDriftReportBlocksUnderThePolicyLibrary: a drift report
// that failed without dataset drift (a column changed type) passed a gate
// judged by the policy library, which looked only at the dataset verdict.
func TestRedteamFailedDriftReportBlocksUnderThePolicyLibrary(t *testing.T) {
	files := upstream(t, func(d *evidence.Document) {
		if d.Kind == evidence.KindDriftReport {
			d.Add(evidence.Check{ID: "drift.country", Status: evidence.StatusFail, Severity: evidence.SeverityError,
				Message: "categorical in the reference, numeric now: the column changed type (string → int64)"})
		}
	})
	out := filepath.Join(t.TempDir(), "decision.json")
	r := runCLI(t, prEnv(t, "approved-for-production"), gateArgs("metrics.json", files, "--out", out)...)
	r.wantCode(t, 1)
	c := check(t, readEvidence(t, out), "policy.mlgate.drift.deny_drifted")
	if c.Status != evidence.StatusFail || !strings.Contains(c.Message, "drift report of transactions failed") {
		t.Fatalf("check %+v", c)
	}
}

// TestRedteamDriftOfAShardProfile: the profile of one shard of the current
// data names every file, by digest, but describes only its row groups;
// drift from it said nothing drifted though the other shard did, and the
// gate bound it to all the files.
func TestRedteamDriftOfAShardProfile(t *testing.T) {
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref.parquet")
	dataset(t, ref, 1, 4000, 4000, 0, false)
	// Row group 0 is like the reference, row group 1 drifted far.
	calm, shifted := filepath.Join(dir, "calm.parquet"), filepath.Join(dir, "shifted.parquet")
	dataset(t, calm, 2, 2000, 2000, 0, false)
	dataset(t, shifted, 3, 2000, 2000, 5, true)
	rp, sp := filepath.Join(dir, "ref.profile.json"), filepath.Join(dir, "shard.profile.json")
	runCLI(t, nil, "profile", "--digest", "--profile-out", rp, ref).wantCode(t, 0)
	runCLI(t, nil, "drift", "--reference", rp, shifted).wantCode(t, 1)
	// One file of two row groups: the calm one, then the shifted one.
	both := filepath.Join(dir, "both")
	os.MkdirAll(both, 0o755)
	for _, p := range []string{calm, shifted} {
		data, _ := os.ReadFile(p)
		os.WriteFile(filepath.Join(both, filepath.Base(p)), data, 0o644)
	}
	runCLI(t, nil, "profile", "--digest", "--shard", "0/2", "--profile-out", sp, both).wantCode(t, 0)
	out := filepath.Join(t.TempDir(), "drift.json")
	r := runCLI(t, nil, "drift", "--reference", rp, "--out", out, sp)
	if r.code == 0 {
		g, subject := rtGate(t, []string{out}, []string{both})
		t.Fatalf("drift from a shard's profile passed (exit %d at the gate, %+v)", g.code, subject)
	}
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, sp) || !strings.Contains(r.stderr, "shard 0 of 2") {
		t.Fatalf("stderr %q", r.stderr)
	}
	// Nor does a merge short of a shard pass for the whole profile.
	merged := filepath.Join(t.TempDir(), "m.json")
	m := runCLI(t, nil, "profile", "merge", "--profile-out", merged, sp)
	if m.code == 0 {
		m = runCLI(t, nil, "drift", "--reference", rp, merged)
	}
	m.wantCode(t, 2)
	if !strings.Contains(m.stderr, "shard 1 of 2 is missing") && !strings.Contains(m.stderr, "shard 0 of 2") {
		t.Fatalf("merging one shard of two: %q", m.stderr)
	}
}

// TestRedteamDriftReferenceIsBound: a drift report of the current data
// against itself (a reference the pull request chose) says nothing
// drifted; with the reviewed reference's digest in the settings, the
// policy library denies it.
func TestRedteamDriftReferenceIsBound(t *testing.T) {
	dir := t.TempDir()
	ref, cur := filepath.Join(dir, "ref.parquet"), filepath.Join(dir, "cur.parquet")
	dataset(t, ref, 1, 2000, 2000, 0, false)
	dataset(t, cur, 2, 2000, 2000, 5, true)
	rp, cp := filepath.Join(dir, "ref.profile.json"), filepath.Join(dir, "cur.profile.json")
	runCLI(t, nil, "profile", "--digest", "--profile-out", rp, ref).wantCode(t, 0)
	runCLI(t, nil, "profile", "--digest", "--profile-out", cp, cur).wantCode(t, 0)
	runCLI(t, nil, "drift", "--reference", rp, cp).wantCode(t, 1)
	self, again := filepath.Join(dir, "self.json"), filepath.Join(dir, "again.profile.json")
	data, _ := os.ReadFile(cp)
	os.WriteFile(again, data, 0o644)
	runCLI(t, nil, "drift", "--reference", again, "--out", self, cp).wantCode(t, 0)

	settings, err := os.ReadFile(fixture("settings.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bound := strings.Replace(string(settings), "  drift:\n", "  drift:\n    reference_sha256: ["+sha256File(t, rp)+"]\n", 1)
	if bound == string(settings) {
		t.Fatal("no drift settings to extend")
	}
	sp := filepath.Join(dir, "settings.yaml")
	os.WriteFile(sp, []byte(bound), 0o644)
	files := upstream(t, nil)
	files[1] = self // the DriftReport
	args := gateArgs("metrics.json", files, "--out", filepath.Join(dir, "decision.json"))
	for i := range args {
		if args[i] == fixture("settings.yaml") {
			args[i] = sp
		}
	}
	r := runCLI(t, prEnv(t, "approved-for-production"), args...)
	r.wantCode(t, 1)
	c := check(t, readEvidence(t, filepath.Join(dir, "decision.json")), "policy.mlgate.drift.deny_reference")
	if c.Status != evidence.StatusFail || !strings.Contains(c.Message, "not a trusted reference") {
		t.Fatalf("check %+v", c)
	}
}

// TestRedteamDatasetWithoutEvidenceFails: a gate given the dataset but no
// evidence about it promoted, binding nothing.
func TestRedteamDatasetWithoutEvidenceFails(t *testing.T) {
	d := tabletest.NewDelta(t, t.TempDir())
	_, files := d.Commit(t, []int64{1, 2, 3})
	r, subject := rtGate(t, nil, files)
	r.wantCode(t, 1)
	if len(subject) != 1 || subject[0].Status != evidence.StatusFail || !strings.Contains(subject[0].Message, "no DataValidation or DriftReport evidence about it") {
		t.Fatalf("subject checks %+v", subject)
	}
}

// TestRedteamContractWithoutValidationFails: a gate given the contract
// but no DataValidation promoted, checking no contract.
func TestRedteamContractWithoutValidationFails(t *testing.T) {
	contract := rtContract(t)
	r, out := gateModel(t, writeModel(t), "--contract", contract)
	r.wantCode(t, 1)
	c := check(t, readEvidence(t, out), "evidence.contract")
	if c.Status != evidence.StatusFail || !strings.Contains(c.Message, "the contract "+contract+" is given but no DataValidation") {
		t.Fatalf("check %+v", c)
	}
}

// TestRedteamChainOfIncrementalChecksBinds: the validation of version 1,
// an incremental check since 1 and one since 2 bind together to version 3:
// every file was checked with every rule by one of them, and the last ran
// the whole-table rules on them all. (The refusals above must not refuse
// this.)
func TestRedteamChainOfIncrementalChecksBinds(t *testing.T) {
	d := tabletest.NewDelta(t, t.TempDir())
	v1, _ := d.Commit(t, []int64{1, 2})
	v2, _ := d.Commit(t, []int64{3, 4})
	d.Commit(t, []int64{5, 6})
	contract := rtContract(t)
	validate := func(args ...string) string {
		out := filepath.Join(t.TempDir(), "v.json")
		runCLI(t, nil, append([]string{"validate", "--digest", "--contract", contract, "--out", out}, args...)...).wantCode(t, 0)
		return out
	}
	base := validate(fmt.Sprintf("%s@%d", d.Dir, v1))
	mid := validate("--since", fmt.Sprint(v1), fmt.Sprintf("%s@%d", d.Dir, v2))
	last := validate("--since", fmt.Sprint(v2), d.Dir)
	r, subject := rtGate(t, []string{base, mid, last}, []string{d.Dir})
	r.wantCode(t, 0)
	if len(subject) != 3 {
		t.Fatalf("subject checks %+v", subject)
	}
	for _, c := range subject {
		if c.Status != evidence.StatusPass {
			t.Fatalf("subject check %+v", c)
		}
	}
	// Without the last, nothing ran the whole-table rules on version 3.
	r, subject = rtGate(t, []string{base, mid}, []string{d.Dir})
	rtWantRefused(t, r, subject, base, "does not cover the dataset's")
}

// TestRedteamDeviceModelIsNotSigned: a pull request turns its single-file
// model into a link to /dev/zero. The device states no size: it was hashed
// as an empty file, and a pure Ed25519 key then read it whole, without end.
// Signing (and verifying) refuse it as not a regular file, exit 2.
func TestRedteamDeviceModelIsNotSigned(t *testing.T) {
	keys := cosignKeys(t, testenv.Tool(t, "cosign"))
	model := filepath.Join(t.TempDir(), "model.onnx")
	appendTo(t, model, "weights of a small model")
	runCLI(t, keyEnv(), "sign", "--key", keys["ecdsa"][0], model).wantCode(t, 0)
	if err := os.Remove(model); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", model); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"ed25519", "ecdsa"} {
		r := runCLI(t, keyEnv(), "sign", "--key", keys[kind][0], "--bundle", model+"."+kind+".sigstore.json", model)
		r.wantCode(t, 2)
		if !strings.Contains(r.stderr, model+" is not a regular file") {
			t.Fatalf("%s: stderr %s", kind, r.stderr)
		}
	}
	r := runCLI(t, nil, "verify", "--key", keys["ecdsa"][1], "--bundle", model+".sigstore.json", model)
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, model+" is not a regular file") {
		t.Fatalf("verify: stderr %s", r.stderr)
	}
}

// TestRedteamHiddenPicklesAreRefused: model files Python's pickle.load,
// torch.load or numpy.load(allow_pickle=True) run, which the serialization
// rule passed: a pickle behind a GGUF magic named model.pt (the sniffer said
// gguf, a safe format), a pickle with a value left under its STOP named
// pytorch_model.bin (it said other), and a NumPy array of Python objects
// (it said numpy). pkg/policy's tests prove Python runs such files.
func TestRedteamHiddenPicklesAreRefused(t *testing.T) {
	model := filepath.Join(t.TempDir(), "model")
	if err := os.Mkdir(model, 0o755); err != nil {
		t.Fatal(err)
	}
	call := "cbuiltins\nprint\n(S'RAN'\ntR"
	for name, content := range map[string]string{
		"model.pt":          "GGUF\x03\x00\x00\x00\x01" + call + ".",
		"pytorch_model.bin": call + "N.",
		"emb.npy":           "\x93NUMPY\x01\x00v\x00{'descr': '|O', 'fortran_order': False, 'shape': (1,), }" + strings.Repeat(" ", 57) + "\n" + "\x80\x04" + call + ".",
		"model.safetensors": "\x10\x00\x00\x00\x00\x00\x00\x00{\"__metadata__\":{}}",
	} {
		appendTo(t, filepath.Join(model, name), content)
	}
	r := runCLI(t, nil, "policy", "eval", "-p", library, "--model", model)
	r.wantCode(t, 1)
	for _, name := range []string{"model.pt", "pytorch_model.bin", "emb.npy"} {
		if !strings.Contains(r.stdout, name+" is pickle-based") {
			t.Errorf("%s passed the serialization rule:\n%s", name, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "model.safetensors is pickle-based") {
		t.Errorf("safetensors refused:\n%s", r.stdout)
	}
}

// TestRedteamPickleExemptionIsPinnedToBytes: the settings exempt the
// reviewed pickle of legacy-model. A pull request put a new pickle in a
// folder of its own and named it legacy-model in its model card (the card's
// model_name is the model's name), and the exemption applied. An exemption
// now allows only the files whose sha256 it lists.
func TestRedteamPickleExemptionIsPinnedToBytes(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "newmodel")
	if err := os.Mkdir(model, 0o755); err != nil {
		t.Fatal(err)
	}
	pickle := "\x80\x04cbuiltins\nprint\n(S'RAN'\ntR."
	appendTo(t, filepath.Join(model, "clf.pkl"), pickle)
	card := filepath.Join(dir, "README.md")
	appendTo(t, card, "---\nmodel_name: legacy-model\n---\n# legacy-model\n")
	reviewed := sha256.Sum256([]byte("\x80\x04K\x01."))
	settings := func(sums ...string) string {
		p := filepath.Join(t.TempDir(), "settings.yaml")
		appendTo(t, p, "config:\n  exemptions:\n    - rule: pickle\n      model: legacy-model\n      reason: reviewed in RISK-12\n      sha256: ["+strings.Join(sums, ", ")+"]\n")
		return p
	}
	// denyPickle is deny_pickle's result in policy eval's output (the other
	// library rules fail here for want of other evidence).
	denyPickle := func(data string) evidence.PolicyResult {
		r := runCLI(t, nil, "policy", "eval", "-p", library, "-d", data, "--model", model, "--model-card", card)
		var out struct {
			Results []evidence.PolicyResult `json:"results"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("%v\n%s\n%s", err, r.stdout, r.stderr)
		}
		for _, res := range out.Results {
			if res.Rule == "deny_pickle" {
				return res
			}
		}
		t.Fatalf("no deny_pickle result:\n%s", r.stdout)
		return evidence.PolicyResult{}
	}
	got := sha256.Sum256([]byte(pickle))
	res := denyPickle(settings(hex.EncodeToString(reviewed[:])))
	if res.Status != evidence.StatusFail || res.Message != "clf.pkl is pickle-based (its content is pickle), which can run code when loaded (sha256 "+hex.EncodeToString(got[:])+")" {
		t.Fatalf("a pickle nobody reviewed: %+v", res)
	}
	// The reviewed bytes are exempted (a warning, never a pass).
	if res = denyPickle(settings(hex.EncodeToString(got[:]))); res.Status != evidence.StatusWarn || !res.Exempted {
		t.Fatalf("the reviewed pickle: %+v", res)
	}
}
