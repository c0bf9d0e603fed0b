package ops

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity/activitytest"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

func TestGenerateWritesEveryLayoutWithItsManifests(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		layout  string
		objects int64
	}{
		{workflow.LayoutSharded, 3},
		{workflow.LayoutPerLoan, 25},
	} {
		t.Run("the "+tc.layout+" layout lists each object once in the CSV and inventory manifests", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, s3local.Options{}, nil)
			man := e.generate("ds", 25, 10, tc.layout, 3)
			if man.Loans != 25 || man.Objects != tc.objects {
				t.Fatalf("manifest output = %+v, want 25 loans in %d objects", man, tc.objects)
			}
			// The CSV manifest: every object exists, its loans parse, sizes match.
			rows, err := csv.NewReader(bytes.NewReader(e.get(man.ManifestKey))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(rows[0], ",") != strings.Join(workflow.ManifestCSVHeader, ",") || int64(len(rows)-1) != tc.objects {
				t.Fatalf("manifest has header %v and %d rows", rows[0], len(rows)-1)
			}
			var loans int
			keys := map[string]bool{}
			for _, r := range rows[1:] {
				body := e.get(r[1])
				if r[0] != testBucket || r[2] != itoa(len(body)) {
					t.Errorf("row %v: object is %d bytes", r, len(body))
				}
				rd := loan.NewReader(bytes.NewReader(body))
				n := 0
				for rd.Next() {
					if rd.Record().Err != nil {
						t.Errorf("%s line %d: %v", r[1], rd.Record().Line, rd.Record().Err)
					}
					n++
				}
				if r[3] != itoa(n) {
					t.Errorf("row %v: object holds %d loans", r, n)
				}
				loans += n
				keys[r[1]] = true
			}
			if loans != 25 {
				t.Errorf("objects hold %d loans, want 25", loans)
			}
			// The inventory: manifest.json with checksums of gzipped CSV
			// files listing the same objects, keys URL-encoded.
			var inv workflow.InventoryManifest
			if err := json.Unmarshal(e.get(man.InventoryManifestKey), &inv); err != nil {
				t.Fatal(err)
			}
			if inv.FileSchema != workflow.InventoryFileSchema || inv.FileFormat != "CSV" || inv.Version != workflow.InventoryVersion ||
				inv.SourceBucket != testBucket || inv.DestinationBucket != "arn:aws:s3:::"+testBucket || len(inv.Files) != 1 {
				t.Fatalf("inventory manifest = %+v", inv)
			}
			gz := e.get(inv.Files[0].Key)
			sum := md5.Sum(gz)
			if inv.Files[0].MD5Checksum != hex.EncodeToString(sum[:]) || inv.Files[0].Size != int64(len(gz)) {
				t.Errorf("inventory file %+v: checksum %x, %d bytes", inv.Files[0], sum, len(gz))
			}
			zr, err := gzip.NewReader(bytes.NewReader(gz))
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(zr)
			invRows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range invRows {
				k, err := url.QueryUnescape(r[1])
				if err != nil || !keys[k] || r[0] != testBucket || strings.Contains(r[1], "/") {
					t.Errorf("inventory row %v: want a URL-encoded key of the CSV manifest", r)
				}
				delete(keys, k)
			}
			if len(keys) != 0 {
				t.Errorf("objects missing from the inventory: %v", keys)
			}
			var sum2 workflow.DatasetSummary
			if err := json.Unmarshal(e.get(man.SummaryKey), &sum2); err != nil || sum2.Objects != tc.objects || sum2.Dataset.Loans != 25 || sum2.Dataset.Layout != tc.layout {
				t.Errorf("dataset summary = %+v, %v", sum2, err)
			}
		})
	}
}

func TestGenerateIsAPureFunctionOfSeedAndShard(t *testing.T) {
	t.Parallel()
	a := newEnv(t, s3local.Options{}, nil)
	b := newEnv(t, s3local.Options{SlowDownRate: 0.2, Seed: 9}, nil)
	ma := a.generate("ds", 30, 10, workflow.LayoutSharded, 5)
	_ = b.generate("ds", 30, 10, workflow.LayoutSharded, 5)
	for _, key := range []string{ma.ManifestKey, workflow.ShardKey("ds", 0), workflow.ShardKey("ds", 2), workflow.ManifestPartKey("ds", 1)} {
		if !bytes.Equal(a.get(key), b.get(key)) {
			t.Errorf("%s differs between two generations (one under 20%% SlowDown)", key)
		}
	}
	if b.srv.Stats().Faults == 0 {
		t.Error("no SlowDown was injected")
	}
}

func TestManifestNamesTheMissingShards(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	run := workflow.RunParams{RunDefaults: workflow.RunDefaults{Dataset: "ds", Loans: 40, Scenarios: 100, Seed: 1, Layout: workflow.LayoutSharded, TargetRate: 0.08, HorizonMonths: 27}}
	var plan workflow.PlanOutput
	e.mustCall(workflow.OpPlan, workflow.PlanInput{Bucket: testBucket, ShardSize: 10, Run: run}, &plan)
	e.mustCall(workflow.OpGenerate, workflow.GenerateInput{Items: []workflow.PlanShard{{Shard: 0, FirstLoan: 0, Loans: 10}, {Shard: 2, FirstLoan: 20, Loans: 10}},
		BatchInput: workflow.GenerateBatchInput{Dataset: plan.Dataset}}, nil)
	task := e.call(workflow.OpManifest, workflow.ManifestInput{Dataset: plan.Dataset})
	if task.Status != activitytest.Failed || task.Error != activity.DatasetIncomplete || !strings.Contains(task.Cause, "shard 1, 3") {
		t.Errorf("manifest = %s %s %q, want Dataset.Incomplete naming shards 1 and 3", task.Status, task.Error, task.Cause)
	}
}

func TestPlanRejectsBadRunInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	for _, tc := range []struct {
		name, input, want string
	}{
		{"a misspelt key is named", `{"bucket":"` + testBucket + `","shardSize":10,"run":{"dataset":"d","loans":5,"scenarios":1,"seed":1,"layout":"sharded","targetRate":0.08,"horizonMonths":12,"lons":3}}`, `"lons"`},
		{"a bad layout is named", `{"bucket":"` + testBucket + `","shardSize":10,"run":{"dataset":"d","loans":5,"scenarios":1,"seed":1,"layout":"flat","targetRate":0.08,"horizonMonths":12}}`, `"layout"`},
		{"a zero shard size is named", `{"bucket":"` + testBucket + `","shardSize":0,"run":{"dataset":"d","loans":5,"scenarios":1,"seed":1,"layout":"sharded","targetRate":0.08,"horizonMonths":12}}`, `"shardSize"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			task := e.call(workflow.OpPlan, json.RawMessage(tc.input))
			if task.Status != activitytest.Failed || task.Error != activity.InputInvalid || !strings.Contains(task.Cause, tc.want) {
				t.Errorf("plan = %s %s %q, want Input.Invalid naming %s", task.Status, task.Error, task.Cause, tc.want)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
