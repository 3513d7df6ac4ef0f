%{ if enabled ~}
#!/bin/bash
%{ endif ~}
%{ for name, port in ports ~}
${upper(name)}=${port}
%{ endfor ~}
Hello, ${who}!
