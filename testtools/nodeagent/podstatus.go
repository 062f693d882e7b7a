package main

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
)

// status updates the pod's status with f, on the newest pod.
func (r *podRun) status(f func(*corev1.Pod)) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pods := r.a.kube.CoreV1().Pods(r.pod.Namespace)
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		p, err := pods.Get(ctx, r.pod.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.UID != r.pod.UID {
			return nil
		}
		f(p)
		_, err = pods.UpdateStatus(ctx, p, metav1.UpdateOptions{})
		return err
	})
	if err != nil && !apierrors.IsNotFound(err) {
		r.logf("status update: %v", err)
	}
}

func setCondition(p *corev1.Pod, t corev1.PodConditionType, ok bool, reason string) {
	st := corev1.ConditionFalse
	if ok {
		st = corev1.ConditionTrue
	}
	now := metav1.Now()
	for i := range p.Status.Conditions {
		c := &p.Status.Conditions[i]
		if c.Type == t {
			if c.Status != st {
				c.LastTransitionTime = now
			}
			c.Status, c.Reason = st, reason
			return
		}
	}
	p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: t, Status: st, Reason: reason, LastTransitionTime: now})
}

func (r *podRun) containerStatus(p *corev1.Pod, image string, state corev1.ContainerState, ready bool) {
	started := state.Running != nil
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{
		Name: r.container, Image: image, ImageID: image, State: state, Ready: ready, Started: &started,
	}}
	if state.Running != nil || state.Terminated != nil {
		p.Status.ContainerStatuses[0].ContainerID = "local://" + string(r.pod.UID)
	}
}

// waiting shows why the container does not run yet, as the kubelet's
// waiting reasons do (ContainerCreating, ErrImagePull,
// CreateContainerConfigError).
func (r *podRun) waiting(image, reason, msg string) {
	r.status(func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodPending
		r.containerStatus(p, image, corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}, false)
		setCondition(p, corev1.ContainersReady, false, "ContainersNotReady")
		setCondition(p, corev1.PodReady, false, "ContainersNotReady")
	})
}

// fail ends the pod without running it further, as the kubelet does when
// it rejects a pod or its deadline passes.
func (r *podRun) fail(reason, msg string) {
	r.logf("failed: %s: %s", reason, msg)
	r.status(func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodFailed
		p.Status.Reason, p.Status.Message = reason, msg
		setCondition(p, corev1.ContainersReady, false, "PodFailed")
		setCondition(p, corev1.PodReady, false, "PodFailed")
	})
}
