package access

import (
	"slices"

	"github.com/indigo-cloud/indigo/lang/config"
)

// Admin and All are the actions that stand for every action of a kind of
// object. admin also covers what only an administrator does (a bucket's
// configuration, a namespace's objects); "*" is everything admin is.
const (
	Admin = "admin"
	All   = "*"
)

// kindActions are the actions each kind of object answers to, besides
// admin and "*". A policy action outside its resource's list means nothing
// there: validate reports it.
var kindActions = map[config.ObjectKind][]string{
	config.StorageKind:    {"read", "list", "write", "delete"},
	config.DeploymentKind: {"read", "list", "deploy", "manage"},
	// Who may place things on a site: enforced by the orchestrator's own
	// API (indigo serve), not by a site.
	config.SiteKind: {"deploy"},
	// Who may change a group's members.
	config.GroupKind: {"manage"},
}

// Actions returns the actions that mean something for objects of kind k,
// admin and "*" included, sorted; nil for a kind no policy applies to.
func Actions(k config.ObjectKind) []string {
	a, ok := kindActions[k]
	if !ok {
		return nil
	}
	out := append(slices.Clone(a), Admin, All)
	slices.Sort(out)
	return out
}

// RequestActions returns the actions one may ask about for objects of
// kind k (what `indigo can` takes): Actions without "*".
func RequestActions(k config.ObjectKind) []string {
	a, ok := kindActions[k]
	if !ok {
		return nil
	}
	out := append(slices.Clone(a), Admin)
	slices.Sort(out)
	return out
}

// Meaningful reports whether action means something for objects of kind k.
func Meaningful(k config.ObjectKind, action string) bool {
	return slices.Contains(Actions(k), action)
}

// Covers reports whether a policy granting (or denying) action covers a
// request for req on an object of kind k: the same action, or admin or
// "*" for any of the kind's actions.
func Covers(k config.ObjectKind, action, req string) bool {
	if !Meaningful(k, action) || !Meaningful(k, req) || req == All {
		return false
	}
	return action == req || action == All || action == Admin
}
