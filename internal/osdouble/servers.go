package osdouble

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Flavor is a size of server the cloud offers (GET /v2.1/flavors/{id}).
type Flavor struct {
	ID, Name         string
	VCPUs, RAM, Disk int // RAM in MiB, disk in GiB, as Nova counts them
}

// Image is an image the cloud offers (GET /image/v2/images/{id}).
type Image struct{ ID, Name string }

// ServerRecord is a server the double holds.
type ServerRecord struct {
	ID, Name, FlavorID, ImageID string
	Status                      string // ACTIVE
	// Ports are the ids of the Neutron ports the server is plugged into,
	// in the order of its networks.
	Ports []string
	// Volumes are the ids of the volumes attached to it.
	Volumes []string
	// UserData is the boot script the server was created with
	// (decoded), which cloud-init would run.
	UserData string
	Created  time.Time
}

func (sv ServerRecord) clone() ServerRecord {
	sv.Ports = slices.Clone(sv.Ports)
	sv.Volumes = slices.Clone(sv.Volumes)
	return sv
}

// Servers returns every server, ordered by name then id.
func (s *Server) Servers() []ServerRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ServerRecord, 0, len(s.servers))
	for _, sv := range s.servers {
		out = append(out, sv.clone())
	}
	slices.SortFunc(out, func(a, b ServerRecord) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	return out
}

// Flavors returns the flavors the double was configured with.
func (s *Server) Flavors() []Flavor { return slices.Clone(s.cfg.Flavors) }

// Images returns the images the double was configured with.
func (s *Server) Images() []Image { return slices.Clone(s.cfg.Images) }

func (s *Server) flavor(id string) (Flavor, bool) {
	i := slices.IndexFunc(s.cfg.Flavors, func(f Flavor) bool { return f.ID == id })
	if i < 0 {
		return Flavor{}, false
	}
	return s.cfg.Flavors[i], true
}

func (s *Server) flavorBody(f Flavor) map[string]any {
	return map[string]any{
		"id": f.ID, "name": f.Name, "vcpus": f.VCPUs, "ram": f.RAM, "disk": f.Disk,
		"swap": "", "OS-FLV-EXT-DATA:ephemeral": 0, "OS-FLV-DISABLED:disabled": false,
		"rxtx_factor": 1.0, "os-flavor-access:is_public": true,
		"links": []link{{Rel: "self", Href: s.URL() + "/v2.1/flavors/" + f.ID}},
	}
}

func (s *Server) listFlavors(w http.ResponseWriter, _ *http.Request, _ microversion) {
	list := []map[string]any{}
	for _, f := range s.cfg.Flavors {
		list = append(list, s.flavorBody(f))
	}
	writeJSON(w, http.StatusOK, map[string]any{"flavors": list})
}

func (s *Server) showFlavor(w http.ResponseWriter, r *http.Request, _ microversion) {
	f, ok := s.flavor(r.PathValue("id"))
	if !ok {
		writeNovaError(w, http.StatusNotFound, fmt.Sprintf("Flavor %s could not be found.", r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"flavor": s.flavorBody(f)})
}

func (s *Server) imageBody(img Image) map[string]any {
	return map[string]any{
		"id": img.ID, "name": img.Name, "status": "active", "visibility": "public",
		"container_format": "bare", "disk_format": "qcow2", "size": 1 << 30, "min_disk": 0, "min_ram": 0,
		"protected": false, "tags": []string{}, "owner": s.projectID,
		"created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
		"self": "/v2/images/" + img.ID, "file": "/v2/images/" + img.ID + "/file", "schema": "/v2/schemas/image",
	}
}

// listImages answers GET /image/v2/images, filtering on name and id.
func (s *Server) listImages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	list := []map[string]any{}
	for _, img := range s.cfg.Images {
		if n := q.Get("name"); n != "" && n != img.Name {
			continue
		}
		if id := q.Get("id"); id != "" && id != img.ID {
			continue
		}
		list = append(list, s.imageBody(img))
	}
	writeJSON(w, http.StatusOK, map[string]any{"images": list, "schema": "/v2/schemas/images", "first": "/v2/images"})
}

func (s *Server) showImage(w http.ResponseWriter, r *http.Request) {
	i := slices.IndexFunc(s.cfg.Images, func(img Image) bool { return img.ID == r.PathValue("id") })
	if i < 0 {
		http.Error(w, "No image found with ID "+r.PathValue("id"), http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, s.imageBody(s.cfg.Images[i]))
}

// serverBody is a server as GET /v2.1/servers/{id} shows it. The caller
// holds s.mu.
func (s *Server) serverBody(sv ServerRecord) map[string]any {
	addresses := map[string][]map[string]any{}
	for _, pid := range sv.Ports {
		p, ok := s.ports[pid]
		if !ok {
			continue
		}
		netName := s.networks[p.NetworkID].Name
		for _, ip := range p.FixedIPs {
			addresses[netName] = append(addresses[netName], map[string]any{
				"addr": ip.IPAddress, "version": 4, "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": p.MACAddress,
			})
			for _, fip := range s.floatingIPs {
				if fip.PortID != nil && *fip.PortID == pid {
					addresses[netName] = append(addresses[netName], map[string]any{
						"addr": fip.FloatingIPAddress, "version": 4, "OS-EXT-IPS:type": "floating", "OS-EXT-IPS-MAC:mac_addr": p.MACAddress,
					})
				}
			}
		}
	}
	vols := []map[string]any{}
	for _, v := range sv.Volumes {
		vols = append(vols, map[string]any{"id": v})
	}
	image := any("")
	if sv.ImageID != "" {
		image = map[string]any{"id": sv.ImageID}
	}
	return map[string]any{
		"id": sv.ID, "name": sv.Name, "status": sv.Status, "tenant_id": s.projectID, "user_id": s.userID,
		"flavor": map[string]any{"id": sv.FlavorID}, "image": image, "addresses": addresses,
		"metadata": map[string]string{}, "accessIPv4": "", "accessIPv6": "", "key_name": nil,
		"created": sv.Created.Format(time.RFC3339), "updated": sv.Created.Format(time.RFC3339),
		"hostId": "", "progress": 0, "config_drive": "",
		"security_groups":                      []map[string]string{{"name": "default"}},
		"OS-EXT-AZ:availability_zone":          "nova",
		"OS-EXT-STS:power_state":               1,
		"OS-EXT-STS:vm_state":                  "active",
		"OS-EXT-STS:task_state":                nil,
		"os-extended-volumes:volumes_attached": vols,
		"links":                                []link{{Rel: "self", Href: s.URL() + "/v2.1/servers/" + sv.ID}},
	}
}

type createServerRequest struct {
	Server *struct {
		Name      string `json:"name"`
		ImageRef  string `json:"imageRef"`
		FlavorRef string `json:"flavorRef"`
		Networks  any    `json:"networks"`
		UserData  string `json:"user_data"`
	} `json:"server"`
}

// createServer answers POST /v2.1/servers. A server is ACTIVE at once; a
// network given by uuid gets a new port (Nova creates it in Neutron), a
// port given by id is bound to the server.
func (s *Server) createServer(w http.ResponseWriter, r *http.Request, _ microversion) {
	var req createServerRequest
	if err := decodeBody(r, &req, false); err != nil || req.Server == nil {
		writeNovaError(w, http.StatusBadRequest, fmt.Sprintf("Invalid input for field/attribute server: %v", err))
		return
	}
	in := req.Server
	if in.Name == "" {
		writeNovaError(w, http.StatusBadRequest, "Invalid input for field/attribute name.")
		return
	}
	if _, ok := s.flavor(in.FlavorRef); !ok {
		writeNovaError(w, http.StatusBadRequest, fmt.Sprintf("Flavor %s could not be found.", in.FlavorRef))
		return
	}
	if !slices.ContainsFunc(s.cfg.Images, func(img Image) bool { return img.ID == in.ImageRef }) {
		writeNovaError(w, http.StatusBadRequest, fmt.Sprintf("Image %s could not be found.", in.ImageRef))
		return
	}
	userData, err := base64.StdEncoding.DecodeString(in.UserData)
	if err != nil {
		writeNovaError(w, http.StatusBadRequest, "Invalid input for field/attribute user_data: not base64.")
		return
	}
	sv := ServerRecord{ID: newUUID(), Name: in.Name, FlavorID: in.FlavorRef, ImageID: in.ImageRef, Status: "ACTIVE", UserData: string(userData), Created: time.Now().UTC()}
	var nets []map[string]string
	if list, ok := in.Networks.([]any); ok {
		for _, n := range list {
			m, _ := n.(map[string]any)
			e := map[string]string{}
			for k, v := range m {
				if str, ok := v.(string); ok {
					e[k] = str
				}
			}
			nets = append(nets, e)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(nets) == 0 {
		// "auto" or none given: the project's only network, if any.
		for _, n := range s.networks {
			if !n.External && n.ProjectID == s.projectID {
				nets = append(nets, map[string]string{"uuid": n.ID})
				break
			}
		}
	}
	for _, n := range nets {
		switch {
		case n["port"] != "":
			p, ok := s.ports[n["port"]]
			if !ok {
				writeNovaError(w, http.StatusBadRequest, fmt.Sprintf("Port %s could not be found.", n["port"]))
				return
			}
			if p.DeviceID != "" {
				writeNovaError(w, http.StatusConflict, fmt.Sprintf("Port %s is still in use.", p.ID))
				return
			}
			p.DeviceID, p.DeviceOwner = sv.ID, "compute:nova"
			s.ports[p.ID] = p
			sv.Ports = append(sv.Ports, p.ID)
		case n["uuid"] != "":
			if _, ok := s.networks[n["uuid"]]; !ok {
				writeNovaError(w, http.StatusBadRequest, fmt.Sprintf("Network %s could not be found.", n["uuid"]))
				return
			}
			p := s.newPortLocked(n["uuid"], "", nil)
			p.DeviceID, p.DeviceOwner, p.novaOwned = sv.ID, "compute:nova", true
			s.ports[p.ID] = p
			sv.Ports = append(sv.Ports, p.ID)
		}
	}
	s.servers[sv.ID] = sv
	writeJSON(w, http.StatusAccepted, map[string]any{"server": map[string]any{
		"id": sv.ID, "adminPass": newID()[:12], "OS-DCF:diskConfig": "MANUAL",
		"security_groups": []map[string]string{{"name": "default"}},
		"links":           []link{{Rel: "self", Href: s.URL() + "/v2.1/servers/" + sv.ID}},
	}})
}

func (s *Server) showServer(w http.ResponseWriter, r *http.Request, _ microversion) {
	s.mu.Lock()
	sv, ok := s.servers[r.PathValue("id")]
	var body map[string]any
	if ok {
		body = s.serverBody(sv)
	}
	s.mu.Unlock()
	if !ok {
		writeNovaError(w, http.StatusNotFound, fmt.Sprintf("Instance %s could not be found.", r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"server": body})
}

func (s *Server) listServers(w http.ResponseWriter, r *http.Request, _ microversion) {
	s.mu.Lock()
	list := []map[string]any{}
	for _, sv := range s.servers {
		if n := r.URL.Query().Get("name"); n != "" && n != sv.Name {
			continue
		}
		list = append(list, s.serverBody(sv))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"servers": list})
}

// deleteServer answers DELETE /v2.1/servers/{id}: the server is gone at
// once, the ports Nova created for it too, ports it was given are
// unbound, and its volumes are detached.
func (s *Server) deleteServer(w http.ResponseWriter, r *http.Request, _ microversion) {
	id := r.PathValue("id")
	s.mu.Lock()
	sv, ok := s.servers[id]
	if ok {
		s.removeServerLocked(sv)
	}
	s.mu.Unlock()
	if !ok {
		writeNovaError(w, http.StatusNotFound, fmt.Sprintf("Instance %s could not be found.", id))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func attachmentBody(serverID, volumeID, device string) map[string]any {
	return map[string]any{"id": volumeID, "volumeId": volumeID, "serverId": serverID, "device": device}
}

// createVolumeAttachment answers POST /v2.1/servers/{id}/os-volume_attachments.
func (s *Server) createVolumeAttachment(w http.ResponseWriter, r *http.Request, _ microversion) {
	var req struct {
		VolumeAttachment *struct {
			VolumeID string `json:"volumeId"`
			Device   string `json:"device"`
		} `json:"volumeAttachment"`
	}
	if err := decodeBody(r, &req, false); err != nil || req.VolumeAttachment == nil {
		writeNovaError(w, http.StatusBadRequest, fmt.Sprintf("Invalid input for field/attribute volumeAttachment: %v", err))
		return
	}
	sid, vid := r.PathValue("id"), req.VolumeAttachment.VolumeID
	s.mu.Lock()
	defer s.mu.Unlock()
	sv, ok := s.servers[sid]
	if !ok {
		writeNovaError(w, http.StatusNotFound, fmt.Sprintf("Instance %s could not be found.", sid))
		return
	}
	v, ok := s.volumes[vid]
	switch {
	case !ok:
		writeNovaError(w, http.StatusNotFound, fmt.Sprintf("Volume %s could not be found.", vid))
		return
	case v.ServerID != "":
		writeNovaError(w, http.StatusBadRequest, fmt.Sprintf("Invalid volume: volume %s is already attached", vid))
		return
	}
	device := req.VolumeAttachment.Device
	if device == "" {
		device = fmt.Sprintf("/dev/vd%c", 'b'+len(sv.Volumes))
	}
	v.ServerID, v.Device, v.Status = sid, device, "in-use"
	s.volumes[vid] = v
	sv.Volumes = append(sv.Volumes, vid)
	s.servers[sid] = sv
	writeJSON(w, http.StatusOK, map[string]any{"volumeAttachment": attachmentBody(sid, vid, device)})
}

func (s *Server) showVolumeAttachment(w http.ResponseWriter, r *http.Request, _ microversion) {
	sid, vid := r.PathValue("id"), r.PathValue("volume")
	s.mu.Lock()
	v, ok := s.volumes[vid]
	s.mu.Unlock()
	if !ok || v.ServerID != sid {
		writeNovaError(w, http.StatusNotFound, fmt.Sprintf("volume_id not found: %s", vid))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"volumeAttachment": attachmentBody(sid, vid, v.Device)})
}

func (s *Server) listVolumeAttachments(w http.ResponseWriter, r *http.Request, _ microversion) {
	sid := r.PathValue("id")
	s.mu.Lock()
	sv, ok := s.servers[sid]
	list := []map[string]any{}
	for _, vid := range sv.Volumes {
		list = append(list, attachmentBody(sid, vid, s.volumes[vid].Device))
	}
	s.mu.Unlock()
	if !ok {
		writeNovaError(w, http.StatusNotFound, fmt.Sprintf("Instance %s could not be found.", sid))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"volumeAttachments": list})
}

func (s *Server) deleteVolumeAttachment(w http.ResponseWriter, r *http.Request, _ microversion) {
	sid, vid := r.PathValue("id"), r.PathValue("volume")
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.volumes[vid]
	sv, sok := s.servers[sid]
	if !ok || !sok || v.ServerID != sid {
		writeNovaError(w, http.StatusNotFound, fmt.Sprintf("volume_id not found: %s", vid))
		return
	}
	v.ServerID, v.Device, v.Status = "", "", "available"
	s.volumes[vid] = v
	sv.Volumes = slices.DeleteFunc(sv.Volumes, func(id string) bool { return id == vid })
	s.servers[sid] = sv
	w.WriteHeader(http.StatusAccepted)
}

// DeleteServer removes a server as someone else would from outside
// (drift), with what Nova does on a delete, and reports whether it existed.
func (s *Server) DeleteServer(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv, ok := s.servers[id]
	if ok {
		s.removeServerLocked(sv)
	}
	return ok
}

// removeServerLocked deletes a server: the ports Nova created for it go,
// ports it was given are unbound, its volumes are detached. The caller
// holds s.mu.
func (s *Server) removeServerLocked(sv ServerRecord) {
	delete(s.servers, sv.ID)
	for _, pid := range sv.Ports {
		p := s.ports[pid]
		if p.novaOwned {
			s.deletePortLocked(pid)
			continue
		}
		p.DeviceID, p.DeviceOwner = "", ""
		s.ports[pid] = p
	}
	for _, vid := range sv.Volumes {
		if v, ok := s.volumes[vid]; ok {
			v.ServerID, v.Device, v.Status = "", "", "available"
			s.volumes[vid] = v
		}
	}
}
