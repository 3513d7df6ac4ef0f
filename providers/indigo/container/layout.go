package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// This file reads OCI image layouts (the image-layout specification:
// oci-layout, index.json, blobs/sha256/<hex>) directly, for what needs no
// tool: the digest a tag points at, and an image's configuration. skopeo
// copies and umoci unpacks; neither is needed to read a JSON file.

const refNameAnnotation = "org.opencontainers.image.ref.name"

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Annotations map[string]string `json:"annotations"`
	Platform    *struct {
		Architecture string `json:"architecture"`
		OS           string `json:"os"`
	} `json:"platform"`
}

type indexDoc struct {
	MediaType string       `json:"mediaType"`
	Manifests []descriptor `json:"manifests"`
	// A manifest read as an index has Config and Layers instead.
	Config *descriptor `json:"config"`
}

// layoutDigest returns the digest of the manifest (or index) that tag
// names in the OCI layout at dir: what `skopeo inspect --raw` of
// oci:DIR:TAG would hash to, without starting skopeo. An empty tag means
// the layout's only manifest.
func layoutDigest(dir, tag string) (string, error) {
	var idx indexDoc
	if err := readJSON(filepath.Join(dir, "index.json"), &idx); err != nil {
		return "", fmt.Errorf("%s is not an OCI image layout: %w", dir, err)
	}
	var found []descriptor
	for _, d := range idx.Manifests {
		if tag == "" || d.Annotations[refNameAnnotation] == tag {
			found = append(found, d)
		}
	}
	switch {
	case len(found) == 1:
		if !strings.HasPrefix(found[0].Digest, "sha256:") {
			return "", fmt.Errorf("%s: tag %q has digest %q, not a sha256 one", dir, tag, found[0].Digest)
		}
		return found[0].Digest, nil
	case len(found) == 0 && tag == "":
		return "", fmt.Errorf("%s holds no image", dir)
	case len(found) == 0:
		return "", fmt.Errorf("%s has no image tagged %q", dir, tag)
	default:
		return "", fmt.Errorf("%s holds %d images; name one with oci:%s:TAG", dir, len(found), dir)
	}
}

// layoutProcess reads what the image tagged tag in the layout at dir runs:
// its entrypoint and command, environment and working directory. An
// image index is followed to the manifest of this machine's platform.
func layoutProcess(dir, tag string) (imageProcess, error) {
	var p imageProcess
	digest, err := layoutDigest(dir, tag)
	if err != nil {
		return p, err
	}
	var doc indexDoc
	for range 3 {
		if err := readJSON(blobPath(dir, digest), &doc); err != nil {
			return p, err
		}
		if doc.Config != nil {
			break
		}
		next := ""
		for _, d := range doc.Manifests {
			if d.Platform == nil || (d.Platform.OS == "linux" && d.Platform.Architecture == runtime.GOARCH) {
				next = d.Digest
				break
			}
		}
		if next == "" {
			return p, fmt.Errorf("%s: the image has no manifest for linux/%s", dir, runtime.GOARCH)
		}
		digest, doc = next, indexDoc{}
	}
	if doc.Config == nil {
		return p, fmt.Errorf("%s: no image manifest found under tag %q", dir, tag)
	}
	var cfg struct {
		Config struct {
			Entrypoint []string `json:"Entrypoint"`
			Cmd        []string `json:"Cmd"`
			Env        []string `json:"Env"`
			WorkingDir string   `json:"WorkingDir"`
		} `json:"config"`
	}
	if err := readJSON(blobPath(dir, doc.Config.Digest), &cfg); err != nil {
		return p, err
	}
	p.Args = append(append([]string{}, cfg.Config.Entrypoint...), cfg.Config.Cmd...)
	p.Env = cfg.Config.Env
	p.Cwd = cfg.Config.WorkingDir
	return p, nil
}

func blobPath(dir, digest string) string {
	return filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(digest, "sha256:"))
}

func readJSON(name string, v any) error {
	b, err := os.ReadFile(name)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s does not exist", name)
		}
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
