package state

import (
	"encoding/json"
	"fmt"
)

// Terraform's state format version 4 (Terraform 0.12 and later, OpenTofu)
// has the same resource and instance shape as indigo's snapshot, which was
// modelled on it; docs/state-format.md lists the differences. Reading one is
// how a Terraform user adopts an existing state (`indigo state push
// terraform.tfstate`).

type tfState struct {
	Version          int                   `json:"version"`
	TerraformVersion string                `json:"terraform_version"`
	Serial           uint64                `json:"serial"`
	Lineage          string                `json:"lineage"`
	Outputs          map[string]wireOutput `json:"outputs"`
	Resources        []tfResource          `json:"resources"`
}

type tfResource struct {
	Module    string       `json:"module"`
	Mode      string       `json:"mode"`
	Type      string       `json:"type"`
	Name      string       `json:"name"`
	Each      string       `json:"each"`
	Provider  string       `json:"provider"`
	Instances []tfInstance `json:"instances"`
}

type tfInstance struct {
	wireInstance
	// AttributesFlat is the Terraform 0.11 attribute encoding, left in
	// states upgraded by 0.12 until the resource was refreshed.
	AttributesFlat map[string]string `json:"attributes_flat"`
	// InstanceProvider is the provider instance that manages the object,
	// written by OpenTofu 1.9 and later for a provider configuration with
	// for_each (provider["…"].by_region["eu"]); the resource's provider
	// is then left out.
	InstanceProvider string `json:"instance_provider"`
}

func decodeTerraform(name string, data []byte, version int) (*State, error) {
	if version != 4 {
		if version < 4 {
			return nil, fmt.Errorf("reading Terraform state %s: format version %d (Terraform 0.11 or older) is not supported; upgrade it to version 4 by running `terraform apply -refresh-only` with Terraform 0.12 or later", name, version)
		}
		return nil, fmt.Errorf("reading Terraform state %s: format version %d is newer than the version 4 indigo reads", name, version)
	}
	var tf tfState
	if err := json.Unmarshal(data, &tf); err != nil {
		return nil, fmt.Errorf("reading Terraform state %s: %w", name, err)
	}
	lineage := tf.Lineage
	if lineage == "" {
		lineage = NewLineage()
	}
	s := newWithLineage(lineage)
	s.Serial = tf.Serial
	cache := newAddrCache()
	for i := range tf.Resources {
		tr := &tf.Resources[i]
		wr := wireResource{Module: tr.Module, Mode: tr.Mode, Type: tr.Type, Name: tr.Name, Each: tr.Each, Provider: tr.Provider}
		for j := range tr.Instances {
			ti := &tr.Instances[j]
			if len(ti.Attributes) == 0 && ti.AttributesFlat != nil {
				return nil, fmt.Errorf("reading Terraform state %s: resources[%d] (%s.%s) only has Terraform 0.11 flat attributes; refresh it with Terraform 0.12 or later (`terraform apply -refresh-only`) first", name, i, tr.Type, tr.Name)
			}
			if ti.InstanceProvider != "" {
				if err := instanceProvider(&wr, ti); err != nil {
					return nil, fmt.Errorf("reading Terraform state %s: resources[%d] (%s.%s): %v", name, i, tr.Type, tr.Name, err)
				}
			}
			wr.Instances = append(wr.Instances, ti.wireInstance)
		}
		if err := s.addWireResource(cache, &wr); err != nil {
			return nil, fmt.Errorf("reading Terraform state %s: resources[%d]: %v", name, i, err)
		}
	}
	for n, wo := range tf.Outputs {
		o, err := decodeOutput(wo)
		if err != nil {
			return nil, fmt.Errorf("reading Terraform state %s: output %q: %v", name, n, err)
		}
		s.Outputs[n] = o
	}
	return s, nil
}

// instanceProvider records an OpenTofu instance_provider the way indigo
// does: the configuration on the resource, the key on the object.
func instanceProvider(wr *wireResource, ti *tfInstance) error {
	addr, err := parseProviderConfigAddr(ti.InstanceProvider)
	if err != nil {
		return fmt.Errorf("instance_provider: %w", err)
	}
	cfg := addr.Config()
	if wr.Provider == "" {
		wr.Provider = cfg.String()
	} else if have, err := parseProviderConfigAddr(wr.Provider); err != nil || have.Config() != cfg {
		return fmt.Errorf("instance_provider %s is not an instance of the resource's provider %s", ti.InstanceProvider, wr.Provider)
	}
	ti.ProviderKey = encodeKey(addr.Key)
	return nil
}
