// The helper desk's camera scanner: where the browser offers BarcodeDetector
// and a camera, a button reads the resident's QR code into the address field.
// Without it the desk works as a plain form.
(function () {
  var button = document.getElementById("scan");
  var video = document.getElementById("camera");
  var field = document.getElementById("url");
  if (!button || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  button.hidden = false;
  button.addEventListener("click", async function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    var stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    var timer = setInterval(async function () {
      var codes = await detector.detect(video);
      if (codes.length) {
        field.value = codes[0].rawValue;
        clearInterval(timer);
        stream.getTracks().forEach(function (t) { t.stop(); });
        video.hidden = true;
        field.focus();
      }
    }, 300);
  });
})();
