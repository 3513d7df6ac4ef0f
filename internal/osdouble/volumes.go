package osdouble

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Volume is a Block Storage (Cinder v3) volume the double holds.
type Volume struct {
	ID, Name string
	Size     int    // GiB
	Status   string // available, in-use
	// ServerID and Device say where it is attached ("" when it is not).
	ServerID, Device string
	Created          time.Time
}

// Volumes returns every volume, ordered by name then id.
func (s *Server) Volumes() []Volume {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Volume, 0, len(s.volumes))
	for _, v := range s.volumes {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b Volume) int { return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID)) })
	return out
}

func writeCinderError(w http.ResponseWriter, status int, message string) {
	name := "badRequest"
	if status == http.StatusNotFound {
		name = "itemNotFound"
	}
	writeJSON(w, status, map[string]any{name: map[string]any{"code": status, "message": message}})
}

func (s *Server) volumeBody(v Volume) map[string]any {
	attachments := []map[string]any{}
	if v.ServerID != "" {
		attachments = append(attachments, map[string]any{
			"id": v.ID, "attachment_id": v.ID, "volume_id": v.ID, "server_id": v.ServerID, "device": v.Device,
		})
	}
	return map[string]any{
		"id": v.ID, "name": v.Name, "size": v.Size, "status": v.Status, "description": "",
		"availability_zone": "nova", "volume_type": "__DEFAULT__", "bootable": "false", "multiattach": false,
		"encrypted": false, "metadata": map[string]string{}, "attachments": attachments,
		"user_id": s.userID, "os-vol-tenant-attr:tenant_id": s.projectID,
		"created_at": v.Created.Format(novaTime), "updated_at": v.Created.Format(novaTime),
	}
}

// createVolume answers POST /volume/v3/{project}/volumes: the volume is
// available at once.
func (s *Server) createVolume(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Volume *struct {
			Name string `json:"name"`
			Size int    `json:"size"`
		} `json:"volume"`
	}
	if err := decodeBody(r, &req, false); err != nil || req.Volume == nil {
		writeCinderError(w, http.StatusBadRequest, fmt.Sprintf("Invalid input for field/attribute volume: %v", err))
		return
	}
	if req.Volume.Size < 1 {
		writeCinderError(w, http.StatusBadRequest, "Invalid input for field/attribute size.")
		return
	}
	v := Volume{ID: newUUID(), Name: req.Volume.Name, Size: req.Volume.Size, Status: "available", Created: time.Now().UTC()}
	s.mu.Lock()
	s.volumes[v.ID] = v
	s.mu.Unlock()
	writeJSON(w, http.StatusAccepted, map[string]any{"volume": s.volumeBody(v)})
}

func (s *Server) showVolume(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	v, ok := s.volumes[r.PathValue("id")]
	s.mu.Unlock()
	if !ok {
		writeCinderError(w, http.StatusNotFound, fmt.Sprintf("Volume %s could not be found.", r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"volume": s.volumeBody(v)})
}

func (s *Server) listVolumes(w http.ResponseWriter, _ *http.Request) {
	list := []map[string]any{}
	for _, v := range s.Volumes() {
		list = append(list, s.volumeBody(v))
	}
	writeJSON(w, http.StatusOK, map[string]any{"volumes": list})
}

// deleteVolume refuses an attached volume, as Cinder does.
func (s *Server) deleteVolume(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	v, ok := s.volumes[id]
	if ok && v.ServerID == "" {
		delete(s.volumes, id)
	}
	s.mu.Unlock()
	switch {
	case !ok:
		writeCinderError(w, http.StatusNotFound, fmt.Sprintf("Volume %s could not be found.", id))
	case v.ServerID != "":
		writeCinderError(w, http.StatusBadRequest, "Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.")
	default:
		w.WriteHeader(http.StatusAccepted)
	}
}
