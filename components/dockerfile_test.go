package components

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// dockerfileStage is one FROM ... stage of a Dockerfile: its instructions
// (keyword upper-cased, continuation lines joined).
type dockerfileStage struct {
	from         string
	instructions [][2]string // keyword, arguments
}

// parseDockerfile splits a Dockerfile into stages. It understands what this
// repository's Dockerfile uses: comments, blank lines, "\" continuations.
func parseDockerfile(t *testing.T, path string) []dockerfileStage {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open Dockerfile: %v", err)
	}
	defer f.Close()
	var stages []dockerfileStage
	var cur strings.Builder
	flush := func() {
		line := strings.TrimSpace(cur.String())
		cur.Reset()
		if line == "" {
			return
		}
		kw, args, _ := strings.Cut(line, " ")
		kw = strings.ToUpper(kw)
		args = strings.TrimSpace(args)
		if kw == "FROM" {
			stages = append(stages, dockerfileStage{from: args})
			return
		}
		if len(stages) == 0 {
			return // ARG before the first FROM
		}
		s := &stages[len(stages)-1]
		s.instructions = append(s.instructions, [2]string{kw, args})
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		flush()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	flush()
	return stages
}

// volumePaths decodes a VOLUME instruction's arguments (JSON array or
// space-separated paths).
func volumePaths(t *testing.T, args string) []string {
	t.Helper()
	if strings.HasPrefix(args, "[") {
		var out []string
		if err := json.Unmarshal([]byte(args), &out); err != nil {
			t.Fatalf("VOLUME %s: %v", args, err)
		}
		return out
	}
	return strings.Fields(args)
}

// The worker runs as uid 65532 on a read-only root filesystem, and its only
// writable path is the task's scratch bind volume. Fargate creates that
// volume root-owned 0755 unless the image declares VOLUME at the mount's
// path, in which case ECS seeds it from the image's directory (distroless
// /tmp: 1777). So the image's USER, its VOLUME and the task definition's
// user, mount point and volume must agree; no Docker engine runs in CI, so
// this reads the Dockerfile (.ci/docker-build-stage.sh checks it too).
func TestImageDeclaresTheScratchVolumeTheTaskMountsAndRunsAsTheTaskUser(t *testing.T) {
	t.Parallel()
	stages := parseDockerfile(t, "../Dockerfile")
	if len(stages) != 2 {
		t.Fatalf("Dockerfile has %d stages, want build and runtime", len(stages))
	}
	runtime := stages[len(stages)-1]
	if !strings.Contains(runtime.from, "RUNTIME_IMAGE") {
		t.Errorf("runtime stage FROM %s, want ${RUNTIME_IMAGE} (distroless nonroot)", runtime.from)
	}
	var user string
	var volumes []string
	volumeAt := -1
	for i, in := range runtime.instructions {
		switch in[0] {
		case "USER":
			user = in[1]
		case "VOLUME":
			volumes = append(volumes, volumePaths(t, in[1])...)
			if volumeAt < 0 {
				volumeAt = i
			}
		}
	}
	if uid, _, _ := strings.Cut(user, ":"); uid != WorkerUser {
		t.Errorf("runtime stage USER %q, want uid %s (components.WorkerUser, the task definition's user)", user, WorkerUser)
	}
	if !contains(strings.Join(volumes, "\n")+"\n", WorkerScratchPath+"\n") {
		t.Errorf("runtime stage VOLUME %v does not declare %s: Fargate would mount the scratch volume root-owned 0755 and uid %s could not write it", volumes, WorkerScratchPath, WorkerUser)
	}
	// Build steps after VOLUME that touch the volume are discarded.
	for _, in := range runtime.instructions[max(volumeAt, 0):] {
		if volumeAt >= 0 && (in[0] == "RUN" || in[0] == "COPY" || in[0] == "ADD") && strings.Contains(in[1], WorkerScratchPath) {
			t.Errorf("%s %s after VOLUME %s is discarded", in[0], in[1], WorkerScratchPath)
		}
	}

	// The task definition mounts a task volume at exactly that path, runs
	// as the same user, and keeps the root filesystem read-only.
	m, _ := mustDeploy(t, false, testArgs())
	td := m.one(t, "aws:ecs/taskDefinition:TaskDefinition")
	var defs []containerDefinition
	td.JSON(t, "containerDefinitions", &defs)
	if len(defs) != 1 {
		t.Fatalf("want one container, got %d", len(defs))
	}
	c := defs[0]
	if c.User != WorkerUser || !c.ReadonlyRootFilesystem {
		t.Errorf("container user %q, readonlyRootFilesystem %v; want %s and true", c.User, c.ReadonlyRootFilesystem, WorkerUser)
	}
	var taskVolumes []string
	for _, v := range td.Value("volumes").([]any) {
		taskVolumes = append(taskVolumes, v.(map[string]any)["name"].(string))
	}
	if len(c.MountPoints) != 1 {
		t.Fatalf("mount points %+v, want the scratch volume only", c.MountPoints)
	}
	mp := c.MountPoints[0]
	if mp.ContainerPath != WorkerScratchPath || mp.ReadOnly {
		t.Errorf("mount %+v, want a writable mount at %s", mp, WorkerScratchPath)
	}
	if !hasAll(taskVolumes, mp.SourceVolume) {
		t.Errorf("mount source %s is not a task volume (%v)", mp.SourceVolume, taskVolumes)
	}
}
