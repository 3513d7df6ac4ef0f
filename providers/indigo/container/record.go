package container

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// recordName is the file in a container's directory that records what was
// started there.
const recordName = "container.json"

// record is what containers/<name>/container.json holds: the container's
// configuration as given (nil where it was not set), the image it runs and
// its process. It is written before anything else is done for the
// container and rewritten as the start proceeds, so a container whose
// start was cut short is found again by its name.
type record struct {
	Name         string            `json:"name"`
	Image        string            `json:"image"`
	Command      []string          `json:"command"`
	WorkingDir   *string           `json:"working_dir"`
	Env          map[string]string `json:"env"`
	Port         *int64            `json:"port"`
	Volumes      []volume          `json:"volumes"`
	Runtime      string            `json:"runtime"`
	StartTimeout string            `json:"start_timeout"`
	StopTimeout  string            `json:"stop_timeout"`

	Digest     string `json:"digest,omitempty"`
	PID        int    `json:"pid,omitempty"`
	StartTicks uint64 `json:"proc_start_time,omitempty"`
	StartedAt  string `json:"started_at,omitempty"`
}

type volume struct {
	HostPath      string `json:"host_path"`
	ContainerPath string `json:"container_path"`
}

func readRecord(dir string) (*record, error) {
	b, err := os.ReadFile(filepath.Join(dir, recordName))
	if err != nil {
		return nil, err
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, recordName), err)
	}
	return &r, nil
}

// write replaces the record atomically (temporary file, fsync, rename).
func (r *record) write(dir string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	name := filepath.Join(dir, recordName)
	tmp, err := os.CreateTemp(dir, "."+recordName+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}
