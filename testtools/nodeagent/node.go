package main

import (
	"context"
	"encoding/json"
	"log"
	"runtime"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

const leaseSeconds = 40

// register creates the Node (or takes over one of the same name) and
// reports it Ready, with its log endpoint as the kubelet's port.
func (a *agent) register(ctx context.Context) error {
	nodes := a.kube.CoreV1().Nodes()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name: a.node,
		Labels: map[string]string{
			"kubernetes.io/hostname": a.node, "kubernetes.io/os": "linux", "kubernetes.io/arch": runtime.GOARCH,
		},
	}}
	if _, err := nodes.Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return a.heartbeat(ctx)
}

// heartbeat reports the node's status as the kubelet does, with a patch
// of the status alone: the node controller changes the Node's taints, which
// a node may not touch (NodeRestriction), so a whole-object update could
// carry stale ones.
func (a *agent) heartbeat(ctx context.Context) error {
	now := metav1.Now()
	list := corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("16Gi"),
		corev1.ResourcePods: resource.MustParse("110"), corev1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}
	st := corev1.NodeStatus{Capacity: list, Allocatable: list}
	st.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}, {Type: corev1.NodeHostName, Address: a.node}}
	st.DaemonEndpoints.KubeletEndpoint.Port = int32(a.port)
	st.NodeInfo = corev1.NodeSystemInfo{
		OperatingSystem: "linux", Architecture: runtime.GOARCH, KubeletVersion: "v1.37.2",
		ContainerRuntimeVersion: "local-process://nodeagent", OSImage: "local processes (testtools/nodeagent)",
	}
	st.Conditions = []corev1.NodeCondition{
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "node agent is posting ready status"},
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory"},
		{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasNoDiskPressure"},
		{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientPID"},
	}
	for i := range st.Conditions {
		st.Conditions[i].LastHeartbeatTime = now
		if !a.posted {
			st.Conditions[i].LastTransitionTime = now
		}
	}
	patch, err := json.Marshal(map[string]any{"status": st})
	if err != nil {
		return err
	}
	_, err = a.kube.CoreV1().Nodes().Patch(ctx, a.node, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	if err == nil {
		a.posted = true
	}
	return err
}

// renewLease keeps the node's Lease fresh, the heartbeat the node
// lifecycle controller watches; the status is refreshed less often.
func (a *agent) renewLease(ctx context.Context) {
	leases := a.kube.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for n := 0; ; n++ {
		now := metav1.NewMicroTime(time.Now())
		l, err := leases.Get(ctx, a.node, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			_, err = leases.Create(ctx, &coordv1.Lease{
				ObjectMeta: metav1.ObjectMeta{Name: a.node, Namespace: corev1.NamespaceNodeLease},
				Spec:       coordv1.LeaseSpec{HolderIdentity: ptr.To(a.node), LeaseDurationSeconds: ptr.To[int32](leaseSeconds), RenewTime: &now},
			}, metav1.CreateOptions{})
		case err == nil:
			l.Spec.RenewTime = &now
			l.Spec.HolderIdentity = ptr.To(a.node)
			l.Spec.LeaseDurationSeconds = ptr.To[int32](leaseSeconds)
			_, err = leases.Update(ctx, l, metav1.UpdateOptions{})
		}
		if err != nil {
			log.Printf("lease: %v", err)
		}
		if n%3 == 2 {
			if err := a.heartbeat(ctx); err != nil {
				log.Printf("node status: %v", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
