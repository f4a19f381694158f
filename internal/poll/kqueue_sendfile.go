//go:build darwin || freebsd || dragonfly

package poll

// sendfile copies the pending file of fd with sendfile(2) (see
// sendFileRegion). It reports done when the copy ended, with its error.
func (p *kqueue) sendfile(fd *FD) (done bool, err error) { return sendFileRegion(fd) }
