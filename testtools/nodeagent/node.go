package main

import (
	"context"
	"log"
	"runtime"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
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

// heartbeat reports the node's status; the node controller writes to the
// Node too (taints), so a conflict is retried on the newest version.
func (a *agent) heartbeat(ctx context.Context) error {
	return retry.RetryOnConflict(retry.DefaultBackoff, func() error { return a.postStatus(ctx) })
}

func (a *agent) postStatus(ctx context.Context) error {
	nodes := a.kube.CoreV1().Nodes()
	n, err := nodes.Get(ctx, a.node, metav1.GetOptions{})
	if err != nil {
		return err
	}
	now := metav1.Now()
	list := corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("16Gi"),
		corev1.ResourcePods: resource.MustParse("110"), corev1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}
	n.Status.Capacity, n.Status.Allocatable = list, list
	n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}, {Type: corev1.NodeHostName, Address: a.node}}
	n.Status.DaemonEndpoints.KubeletEndpoint.Port = int32(a.port)
	n.Status.NodeInfo = corev1.NodeSystemInfo{
		OperatingSystem: "linux", Architecture: runtime.GOARCH, KubeletVersion: "v1.37.2",
		ContainerRuntimeVersion: "local-process://nodeagent", OSImage: "local processes (testtools/nodeagent)",
	}
	conds := []corev1.NodeCondition{
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "node agent is posting ready status"},
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory"},
		{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasNoDiskPressure"},
		{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientPID"},
	}
	for i := range conds {
		conds[i].LastHeartbeatTime = now
		conds[i].LastTransitionTime = now
		for _, old := range n.Status.Conditions {
			if old.Type == conds[i].Type && old.Status == conds[i].Status {
				conds[i].LastTransitionTime = old.LastTransitionTime
			}
		}
	}
	n.Status.Conditions = conds
	_, err = nodes.UpdateStatus(ctx, n, metav1.UpdateOptions{})
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
