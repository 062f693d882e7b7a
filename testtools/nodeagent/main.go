// Command nodeagent is the node of the local cluster: it registers a Node
// and runs the pods the scheduler binds to it as local processes, each
// chrooted into a folder that stands for its image, with the environment,
// projected service account tokens, deadline, exit status, termination
// message and logs a kubelet gives a pod. It supports exactly what the
// demo pod uses; any other field that would change what a pod does makes
// the pod fail with the field named (see spec.go). Started by
// testtools/cluster/up.sh.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
)

type agent struct {
	kube   kubernetes.Interface
	node   string
	dir    string
	images string
	trust  []byte
	port   int
	// posted: the node's status was reported once (transition times set).
	posted bool

	mu       sync.Mutex
	pods     map[types.UID]*podRun
	byName   map[string]*podRun // namespace/name, for logs
	deleting map[types.UID]bool
}

func main() {
	var kubeconfig, node, dir, images, trust, listen, cert, key, clientCA string
	flag.StringVar(&kubeconfig, "kubeconfig", "", "the node's kubeconfig (user system:node:<name>)")
	flag.StringVar(&node, "node-name", "local-node-0", "the Node to register")
	flag.StringVar(&dir, "dir", "", "folder for the pods' root folders and logs")
	flag.StringVar(&images, "images", "", "image index (JSON), read at every pull")
	flag.StringVar(&trust, "trust", "", "PEM CA bundle every image carries as its trust store")
	flag.StringVar(&listen, "listen", "127.0.0.1:10250", "address of the log endpoint the API server calls (the kubelet port)")
	flag.StringVar(&cert, "tls-cert", "", "serving certificate of the log endpoint")
	flag.StringVar(&key, "tls-key", "", "its key")
	flag.StringVar(&clientCA, "client-ca", "", "CA of the API server's client certificate")
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	if err := run(kubeconfig, node, dir, images, trust, listen, cert, key, clientCA); err != nil {
		log.Fatal(err)
	}
}

func run(kubeconfig, node, dir, images, trustFile, listen, cert, key, clientCA string) error {
	for name, v := range map[string]string{"--kubeconfig": kubeconfig, "--dir": dir, "--images": images, "--trust": trustFile, "--tls-cert": cert, "--tls-key": key, "--client-ca": clientCA} {
		if v == "" {
			return fmt.Errorf("%s is required", name)
		}
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	cfg.UserAgent = "nodeagent/" + node
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	trust, err := os.ReadFile(trustFile)
	if err != nil {
		return err
	}
	a := &agent{kube: kube, node: node, dir: dir, images: images, trust: trust,
		pods: map[types.UID]*podRun{}, byName: map[string]*podRun{}, deleting: map[types.UID]bool{}}

	srv, ln, err := a.logServer(listen, cert, key, clientCA)
	if err != nil {
		return err
	}
	a.port = ln.Addr().(*net.TCPAddr).Port
	go srv.Serve(ln) //nolint:errcheck

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := a.register(ctx); err != nil {
		return fmt.Errorf("registering node %s: %w", node, err)
	}
	go a.renewLease(ctx)

	factory := informers.NewSharedInformerFactoryWithOptions(kube, 0, informers.WithTweakListOptions(func(o *metav1.ListOptions) {
		o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", node).String()
	}))
	inf := factory.Core().V1().Pods().Informer()
	inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { a.onPod(o.(*corev1.Pod)) },
		UpdateFunc: func(_, o any) { a.onPod(o.(*corev1.Pod)) },
	})
	factory.Start(ctx.Done())
	log.Printf("node %s registered; logs on %s", node, ln.Addr())
	<-ctx.Done()

	// Stop every pod's process before leaving, as a node going down would.
	log.Printf("stopping")
	a.mu.Lock()
	runs := make([]*podRun, 0, len(a.pods))
	for _, r := range a.pods {
		runs = append(runs, r)
	}
	a.mu.Unlock()
	for _, r := range runs {
		r.requestStop(2 * time.Second)
	}
	for _, r := range runs {
		<-r.done
	}
	return nil
}

// onPod reacts to a pod bound to this node: run it once, or end it when
// it is deleted (the kubelet confirms a graceful deletion by deleting with
// grace 0 once the containers are gone).
func (a *agent) onPod(pod *corev1.Pod) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.pods[pod.UID]
	if pod.DeletionTimestamp != nil {
		if a.deleting[pod.UID] {
			return
		}
		a.deleting[pod.UID] = true
		grace := time.Duration(ptr.Deref(pod.DeletionGracePeriodSeconds, 30)) * time.Second
		go a.finishDeletion(pod, r, grace)
		return
	}
	if r != nil || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return
	}
	r = &podRun{
		a: a, pod: pod.DeepCopy(), dir: filepath.Join(a.dir, "pods", string(pod.UID)),
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	if len(pod.Spec.Containers) > 0 {
		r.container = pod.Spec.Containers[0].Name
	}
	r.logFile = filepath.Join(r.dir, r.container+".log")
	a.pods[pod.UID] = r
	a.byName[pod.Namespace+"/"+pod.Name] = r
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		log.Printf("pod %s/%s: %v", pod.Namespace, pod.Name, err)
	}
	if pod.Status.Phase == corev1.PodRunning {
		// Running before this agent started: its process died with the old one.
		go func() {
			r.fail("NodeAgentRestarted", "the node agent restarted while the pod ran")
			close(r.done)
		}()
		return
	}
	go r.run()
}

func (a *agent) finishDeletion(pod *corev1.Pod, r *podRun, grace time.Duration) {
	if r != nil {
		r.requestStop(grace)
		<-r.done
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := a.kube.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: ptr.To[int64](0), Preconditions: &metav1.Preconditions{UID: &pod.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		log.Printf("pod %s/%s: delete: %v", pod.Namespace, pod.Name, err)
	}
	a.mu.Lock()
	delete(a.pods, pod.UID)
	delete(a.deleting, pod.UID)
	if a.byName[pod.Namespace+"/"+pod.Name] == r {
		delete(a.byName, pod.Namespace+"/"+pod.Name)
	}
	a.mu.Unlock()
	if r != nil {
		os.RemoveAll(r.dir)
	}
}

func (a *agent) secret(ctx context.Context, ns, name string) (*corev1.Secret, error) {
	return a.kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
}

// services are those whose variables the pod gets: the API server's own
// (default/kubernetes) always, the namespace's with enableServiceLinks.
func (a *agent) services(ctx context.Context, pod *corev1.Pod) ([]corev1.Service, error) {
	var out []corev1.Service
	if pod.Spec.EnableServiceLinks == nil || *pod.Spec.EnableServiceLinks {
		list, err := a.kube.CoreV1().Services(pod.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, err
		}
		out = append(out, list.Items...)
	}
	if pod.Namespace != metav1.NamespaceDefault || (pod.Spec.EnableServiceLinks != nil && !*pod.Spec.EnableServiceLinks) {
		k, err := a.kube.CoreV1().Services(metav1.NamespaceDefault).Get(ctx, "kubernetes", metav1.GetOptions{})
		if err == nil {
			out = append(out, *k)
		} else if !apierrors.IsNotFound(err) {
			return nil, err
		}
	}
	return out, nil
}
